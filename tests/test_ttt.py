"""Test-time training (issue 21 s1): the trained model stays bit-identical after adapting copies over several tasks, each
task's copy is the same whichever tasks came before (and the caller's random streams are untouched), the leave-one-out
split keeps the held-out demonstration out of training, and notebook 21 runs it for TRM, HRM and the transformer."""
import json
import numpy as np
import pytest
import torch
from conftest import ROOT, run_notebook
import reasoning_nb.models.ttt as ttt
from reasoning_nb.models.act import ACTConfig
from reasoning_nb.models.predict import predict
from reasoning_nb.models.puzzle import PuzzleModel, PuzzleModelConfig
from reasoning_nb.models.recursion import ReasonerNetConfig, RecursionConfig
from reasoning_nb.models.ttt import TTTAdapter, TTTConfig, adapt, leave_one_out, task_rows
from reasoning_nb.puzzles.arc import ARCTask
from reasoning_nb.puzzles.arc_data import make_arc_sets

def _sets(n_tasks=3, n_demos=3):
    r = np.random.default_rng(1)
    fs = [lambda g: g[:, ::-1].copy(), lambda g: g.T.copy(), lambda g: np.array([0, 2, 1], np.uint8)[g]]
    grid = lambda: r.integers(0, 3, (3, 3)).astype(np.uint8)
    tasks = [ARCTask(f"t{i}", [(g, fs[i % 3](g)) for g in (grid() for _ in range(n_demos))], [(g, fs[i % 3](g)) for g in [grid()]])
             for i in range(n_tasks)]
    return make_arc_sets([], tasks, n_aug=1, seed=0)

def _model(mode, n_puzzles):
    torch.manual_seed(0)
    return PuzzleModel(PuzzleModelConfig(net=ReasonerNetConfig(d_model=16, n_heads=2, n_layers=1), recursion=RecursionConfig(mode=mode, H_cycles=1, L_cycles=1),
                                         act=ACTConfig(halt_max_steps=2), puzzle_emb_len=2, n_puzzles=n_puzzles, vocab_size=12, seq_len=900)).eval()

def _bits(model): return {k: v.detach().cpu().numpy().tobytes() for k, v in model.state_dict().items()}

@pytest.mark.parametrize("mode,adapt_what", [("trm", "all"), ("hrm", "lora"), ("transformer", "embedding")])
def test_trained_model_bit_identical_and_restored_between_tasks(mode, adapt_what):
    demos, test = _sets()
    m = _model(mode, demos.n_puzzles)
    before, grads = _bits(m), [p.requires_grad for p in m.parameters()]
    cfg = TTTConfig(ttt_steps=2, ttt_lr=1e-2, ttt_batch_size=4, ttt_adapt=adapt_what)
    torch.manual_seed(123); rng_before = torch.get_rng_state()
    rows = np.arange(len(test))
    p = predict(m, test, rows, adapt=TTTAdapter(demos, cfg))                 # three tasks, one copy each
    assert torch.equal(torch.get_rng_state(), rng_before)                    # the caller's random streams are untouched
    assert _bits(m) == before and [p.requires_grad for p in m.parameters()] == grads and not m.training
    last = np.flatnonzero(test.task_index == 2)
    alone = predict(adapt(m, demos, task_rows(demos, 2), cfg), test, last)   # the last task, adapted first and alone
    for k in ("preds", "conf"): np.testing.assert_array_equal(p[k][last], alone[k])
    a, b = adapt(m, demos, task_rows(demos, 0), cfg), adapt(m, demos, task_rows(demos, 0), cfg)
    assert _bits(a) == _bits(b) and _bits(m) == before
    sd = a.state_dict()                                                      # the copy did adapt: a weight moved, or a low-rank B left 0
    assert any(sd[k].numpy().tobytes() != before[k] if k in before else (k.endswith(".B") and bool(sd[k].abs().sum() > 0)) for k in sd)

def test_leave_one_out_split_holds_the_demonstration_out(monkeypatch):
    demos, _ = _sets(n_tasks=2, n_demos=3)
    for j in range(3):
        rows = task_rows(demos, 1, exclude=j)
        assert set(demos.pair_index[rows]) == {0, 1, 2} - {j} and set(demos.task_index[rows]) == {1}
        assert len(rows) == 2 * 2                                            # the two other pairs under both variants
    seen, real = [], ttt.adapt
    monkeypatch.setattr(ttt, "adapt", lambda model, d, rows, cfg, **kw: seen.append(rows) or real(model, d, rows, cfg, **kw))
    m = _model("trm", demos.n_puzzles)
    out = leave_one_out(m, demos, 1, TTTConfig(ttt_steps=1, ttt_batch_size=2))
    assert sorted(out) == [0, 1, 2] and len(seen) == 3
    for j, rows in enumerate(seen): assert j not in set(demos.pair_index[rows]) and set(demos.task_index[rows]) == {1}

@pytest.mark.parametrize("mode", ["trm", "hrm", "transformer"])
def test_notebook21_runs_test_time_training(tmp_path, mode):
    out = tmp_path / "o"
    run_notebook(ROOT / "nbs" / "21_train_puzzles.ipynb", tmp_path, dataset="arc1", mode=mode, output_dir=str(out), n_train=2, n_test=2,
                 n_aug=1, steps=2, eval_interval=2, batch_size=2, d_model=16, n_heads=2, n_layers=1, H_cycles=1, L_cycles=1, halt_max_steps=2,
                 n_pictures=1, warmup_steps=1, device="cpu", ttt_steps=1, ttt_batch_size=2, ttt_adapt="lora")
    res = json.loads((out / "results" / f"results_arc1_{mode}.json").read_text())
    assert set(res["ttt"]) >= {"with", "without", "config"} and res["ttt"]["config"]["ttt_steps"] == 1
    for w in ("with", "without"): assert {"pass@1", "pass@2", "exact_accuracy"} <= set(res["ttt"][w])
    assert res["ttt"]["without"]["pass@2"] == res["final"]["pass@2"]          # the same weights, no EMA: the run's own score
