"The engine's guarantees that no trainer's own test holds: evaluation and the best model use the EMA weights."
import torch
import torch.nn as nn
from reasoning_nb.engine import EngineConfig, OptimConfig, Task, fit
from reasoning_nb.checkpoint import load_checkpoint


class Regression(Task):
    "Fit y = x @ w; the validation loss of any weights is computable in closed form here"
    name = "reg"
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x, self.w = torch.randn(64, 4, generator=g), torch.randn(4, 1, generator=g)
        self.xv = torch.randn(32, 4, generator=g)
    def build_model(self): return nn.Linear(4, 1, bias=False)
    def batch(self, step, rank, world_size):
        i = torch.arange(8) + 8 * (step % 8)
        return self.x[i], self.x[i] @ self.w
    def loss(self, net, batch): return ((net(batch[0]) - batch[1]) ** 2).mean(), {}, len(batch[0])
    def evaluate(self, model, rank, world_size): return ((model(self.xv) - self.xv @ self.w) ** 2).mean().item()
    def summarize(self, parts): return {"val_loss": parts[0]}


def test_evaluation_best_model_and_returned_model_use_the_ema_weights(tmp_path):
    cfg = EngineConfig(steps=10, batch_size=8, eval_interval=10, ckpt_interval=10, device="cpu", ema=True, ema_decay=0.8,
                       optim=OptimConfig(lr=0.05, warmup_steps=1, weight_decay=0.0))
    t = Regression()
    s = fit(t, cfg, tmp_path, progress=False)
    live, ema = nn.Linear(4, 1, bias=False), nn.Linear(4, 1, bias=False)
    load_checkpoint(tmp_path / "checkpoints_reg" / "last", model=live)          # the live weights (what a resume continues)
    load_checkpoint(tmp_path / "checkpoints_reg" / "best_model", model=ema)
    with torch.no_grad():
        loss_live, loss_ema = t.evaluate(live, 0, 1), t.evaluate(ema, 0, 1)
    assert abs(loss_live - loss_ema) > 1e-3 * loss_ema, "EMA and live weights too close for this test to tell them apart"
    last = s["eval_curve"][-1]["val_loss"]
    assert abs(last - loss_ema) < 1e-6 * max(1.0, loss_ema), (last, loss_ema, loss_live)
    assert not torch.equal(ema.weight, live.weight)
    assert torch.equal(s["model"].weight, ema.weight)                            # the caller gets the weights that were evaluated
