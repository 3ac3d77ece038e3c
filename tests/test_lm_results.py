"The results' GDN backend comes from the device the model is on, not from a batch's device."
import torch
from reasoning_nb import train
from reasoning_nb.models.hybrid import HybridLMConfig

def test_gdn_backend_is_read_from_the_model_device(monkeypatch):
    seen = []
    monkeypatch.setattr(train, "gdn_backend", lambda device, backend="auto", **kw: seen.append(torch.device(device).type) or "spy")
    cfg = HybridLMConfig(vocab_size=64, d_model=32, n_layers=2, attention_layers=[1], attn_heads=2, gdn_heads=2, gdn_head_dim=8,
                         max_seq_len=16)
    task = train.LMTask.__new__(train.LMTask)
    task.cfg, task.seq_len, task.name, task.flops_per_step = cfg, 16, "baseline", 1.0
    with torch.device("meta"): model = train.HybridLM(cfg)            # a model on another device than the CPU batches
    s = {"model": model, "step": 2, "resumed_from": None, "seen": 8, "time_s": 1.0, "rows_per_s": None, "device": "meta",
         "dtype": "float32", "world_size": 1, "ema": False,
         "train_curve": [{"step": 1, "loss": 3.0, "time": 0.1, "lr": 1e-3, "seen": 4, "flops": 1.0}],
         "eval_curve": [{"step": 2, "val_loss": 2.5, "time": 0.2, "seen": 8, "flops": 2.0}]}
    res = train.lm_results(s, task)
    assert seen == ["meta"] and res["gdn_backend"] == "spy"
    assert res["tokens_seen"] == 8 * 16 and res["final_val_loss"] == 2.5
