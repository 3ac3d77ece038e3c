"""The puzzle pipeline: papermill runs of nbs/21_train_puzzles.ipynb per dataset, with DQN halting, a GRU Q head and
the memory bank, and from local CSVs in the published format; learning above the copy / majority baselines; exact
resume; bad parameters refused by name; the three fidelity details of the trainer (sparse sign-SGD on the batch's ids,
the table out of the gradient clip)."""
import json
from pathlib import Path
import numpy as np
import papermill as pm
import pytest
import torch
from conftest import ROOT, run_notebook, notebook_error
from reasoning_nb.engine import EngineConfig, OptimConfig, setup, train_step
from reasoning_nb.puzzles.csv_io import write_puzzle_csv
from reasoning_nb.puzzles.maze import decode_maze, generate_mazes
from reasoning_nb.puzzles.sudoku import decode_sudoku, generate_sudoku
from reasoning_nb.train_puzzles import PuzzleParams, SignSGD, train_puzzles

NB = ROOT / "nbs" / "21_train_puzzles.ipynb"
TINY = dict(d_model=32, n_heads=4, H_cycles=1, L_cycles=1, halt_max_steps=2, batch_size=8, steps=12, eval_interval=6,
            eval_size=8, n_pictures=2, warmup_steps=2, device="cpu")

def _run(tmp_path, **params): return run_notebook(NB, tmp_path, **params)

def _check_outputs(out: Path, name: str, steps: int) -> dict:
    res = json.loads((out / "results" / f"results_{name}.json").read_text())
    assert res["step"] == steps and res["finished"] and [e["step"] for e in res["eval_curve"]][0] == 0
    assert set(res["final"]) >= {"cell_accuracy", "exact_accuracy", "steps", "n"} and res["final"]["n"] == res["eval_rows"]
    for png in ("curves", "puzzles"): assert (out / "results" / f"{png}_{name}.png").stat().st_size > 1000
    assert (out / f"checkpoints_{name}" / "last.safetensors").exists() and res["versions"]["torch"]
    return res

@pytest.mark.parametrize("dataset,extra", [
    ("sudoku", dict(n_train=10, n_test=8, n_aug=1)),
    ("maze", dict(n_train=20, n_test=8, n_aug=1, maze_size=7, min_path_len=4)),
    ("arc1", dict(n_train=2, n_test=2, n_aug=1, eval_size=None, steps=4, eval_interval=2, batch_size=2)),
])
def test_papermill_dataset_writes_results_and_pictures(tmp_path, dataset, extra):
    out = tmp_path / "o"
    params = {**TINY, **extra}
    _run(tmp_path, dataset=dataset, output_dir=str(out), **params)
    res = _check_outputs(out, f"{dataset}_trm", params["steps"])
    assert ("pass@1" in res["final"] and "pass@2" in res["final"]) == (dataset == "arc1")     # the dataset's own scores
    assert res["settings"]["dataset"] == dataset and res["config"]["dataset"] == dataset
    if dataset == "arc1": assert res["config"]["model"]["puzzle_emb_len"] == 4                 # ARC's own default

def test_papermill_dqn_gru_and_memory(tmp_path):
    "Issue 19 s3: DQN halting, a GRU Q head and the memory bank are parameters of the notebook, and run"
    out = tmp_path / "o"
    _run(tmp_path, dataset="maze", n_train=20, n_test=8, maze_size=7, min_path_len=4, output_dir=str(out), **TINY,
         halting="dqn", q_head="gru", capacity=64, replay_batch=8, eps_steps=6, eval_halting="learned",
         use_memory=True, memory_slots=16, key_dim=8, value_dim=8, memory_heads=2, write_threshold=0.0)
    res = _check_outputs(out, "maze_trm", TINY["steps"])
    act, memory = res["config"]["model"]["act"], res["config"]["model"]["memory"]
    assert (act["halting"], act["q_head"], act["dqn"]["eps_steps"], memory["memory_slots"]) == ("dqn", "gru", 6, 16)
    assert "memory_hit_rate" in res["final"] and res["settings"]["use_memory"] is True

def test_papermill_transformer_mlp_and_hrm(tmp_path):
    "The single-pass and the deep-supervised transformer (every supervision step at evaluation, like TRM), and HRM"
    for mode, arch, ds in (("transformer", "mlp", False), ("transformer", "attention", True), ("hrm", "attention", False)):
        out = tmp_path / f"{mode}{ds}"
        ptrm = dict(eval_samples=2, eval_noise=0.3) if mode == "hrm" else {}      # HRM also evaluates PTRM-style
        _run(tmp_path, dataset="maze", mode=mode, arch=arch, deep_supervision=ds, output_dir=str(out), n_train=20, n_test=8,
             maze_size=7, min_path_len=4, **{**TINY, "steps": 6}, **ptrm)
        res = _check_outputs(out, f"maze_{mode}", 6)
        assert res["final"]["steps"] == (1 if mode == "transformer" and not ds else 2)
        assert res["config"]["model"]["deep_supervision"] is ds
        assert res["config"]["puzzle"]["eval_samples"] == (2 if mode == "hrm" else 1)

def _write_csv_dir(d: Path, dataset: str, n: dict) -> Path:
    "A directory in the hub layout: train.csv and test.csv in the sapientinc `source,question,answer,rating` format"
    d.mkdir(parents=True)
    for split, k in n.items():
        if dataset == "sudoku":
            P, S, R, _ = generate_sudoku(k, min_rating=0, seed=5, stream=split, progress=False)
            rows = [decode_sudoku(p + 1) for p in P], [decode_sudoku(s + 1) for s in S], R.tolist()
        else:
            Q, A, L, _ = generate_mazes(k, size=7, min_path_len=4, seed=5, stream=split, progress=False)
            rows = [decode_maze(q) for q in Q], [decode_maze(a) for a in A], L.tolist()
        write_puzzle_csv(d / f"{split}.csv", *rows)
    return d

@pytest.mark.parametrize("dataset", ["sudoku", "maze"])
def test_papermill_trains_from_local_csv(tmp_path, dataset):
    """`source` a local directory in the published layout: n_test=None takes every row of test.csv (the generator
    cannot: it needs a number), training rows are drawn from train.csv; a bad row fails naming file and line."""
    src = _write_csv_dir(tmp_path / "data", dataset, {"train": 8, "test": 5})
    extra = dict(maze_size=7, min_path_len=None) if dataset == "maze" else dict(min_rating=None)
    out = tmp_path / "o"
    _run(tmp_path, dataset=dataset, source=str(src), n_train=6, n_test=None, n_aug=1, output_dir=str(out), **{**TINY, "eval_size": None}, **extra)
    res = _check_outputs(out, f"{dataset}_trm", TINY["steps"])
    assert (res["train_rows"], res["test_rows"], res["eval_rows"]) == (12, 5, 5)
    lines = (src / "test.csv").read_text().splitlines()
    lines[3] = lines[3].replace(",", ",x", 1)                  # a question one character too long on line 4
    (src / "test.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(pm.PapermillExecutionError, match=r"test.csv:4: question has"):
        _run(tmp_path, dataset=dataset, source=str(src), n_train=6, n_test=None, output_dir=str(out), **TINY, **extra)

def test_papermill_arc2_with_separate_H(tmp_path):
    out = tmp_path / "o"
    _run(tmp_path, dataset="arc2", separate_H=True, output_dir=str(out), n_train=2, n_test=2, n_aug=1,
         **{**TINY, "steps": 2, "eval_interval": 2, "batch_size": 2, "eval_size": None})
    res = _check_outputs(out, "arc2_trm", 2)
    assert "pass@1" in res["final"] and res["config"]["model"]["recursion"]["separate_H"] is True

@pytest.mark.parametrize("params,message", [
    (dict(datset="maze"), r"unknown parameter(s) ['datset'] (did you mean"),
    (dict(dataset="chess"), "dataset must be one of ['sudoku', 'maze', 'arc1', 'arc2'], got 'chess'"),
    (dict(batch_size=-5), "batch_size must be >= 1, got -5"),                   # issue 16: was trained with 32
    (dict(dataset="maze", n_aug=8), "n_aug must be in 0-7"),
])
def test_unknown_and_bad_parameters(tmp_path, params, message):
    "Refused by the settings, naming the parameter, before any data is built"
    err = notebook_error(NB, tmp_path, **params)
    assert err.startswith("ConfigError") and message in err, err

@pytest.fixture(scope="module")
def easy_sudoku():
    "Generated Sudoku with 8 blank cells each: copying the input gets 73 of 81 cells right and solves none"
    p = PuzzleParams.from_flat(dict(n_train=150, n_test=48, n_aug=3, min_rating=0, max_blanks=8))
    return p.kind.build(p.data_config())

def test_short_training_beats_the_copy_and_majority_baselines(tmp_path, easy_sudoku):
    """A short run scores above copying the input on all cells, and on the blank cells (the cells that must change)
    above writing their most frequent digit everywhere: it fills cells, it does not only copy the givens. (Exact
    solving at CPU scale takes longer runs: papers/trm_puzzles.md.)"""
    tr, te = easy_sudoku
    p = PuzzleParams.from_flat(dict(d_model=64, n_heads=4, H_cycles=2, L_cycles=1, halt_max_steps=2, steps=120, batch_size=32,
                                    eval_interval=120, lr=3e-3, warmup_steps=10, eval_size=None, n_pictures=1, device="cpu",
                                    output_dir=str(tmp_path)))
    f = train_puzzles(p, tr, te, progress=False)["final"]
    copy = float(((te.inputs == te.labels) & (te.labels != 0)).sum() / (te.labels != 0).sum())
    assert abs(f["copy_cell_accuracy"] - copy) < 1e-9 and f["copy_exact_accuracy"] == 0 and f["n"] == len(te)
    assert f["cell_accuracy"] > f["copy_cell_accuracy"] + 0.01, f
    assert f["changed_accuracy"] > f["majority_changed_accuracy"] + 0.05, f

def test_resume_refuses_another_config(tmp_path):
    flat = dict(dataset="maze", maze_size=7, n_train=40, n_test=8, min_path_len=4, d_model=32, n_heads=4, H_cycles=1, L_cycles=1,
                halt_max_steps=3, steps=4, batch_size=8, eval_interval=4, ckpt_interval=4, warmup_steps=2, lr=1e-3, eval_size=8,
                n_pictures=0, device="cpu", output_dir=str(tmp_path))
    train_puzzles(PuzzleParams.from_flat(flat), progress=False)
    with pytest.raises(Exception, match="train.optim.lr: checkpoint 0.001 != current 0.0005"):
        train_puzzles(PuzzleParams.from_flat(flat | dict(lr=5e-4, resume=True)), progress=False)

def test_sign_sgd_decays_every_id_of_the_batch():
    """As the published sparse sign-SGD: every puzzle id of the batch decays and takes a sign step, a zero gradient
    included; an id not in the batch stays bit-identical (issue 19 s4b)"""
    w = torch.nn.Parameter(torch.randn(6, 4)); w0 = w.detach().clone()
    w.grad = torch.zeros(6, 4); w.grad[2] = torch.tensor([1.0, -1.0, 0.5, 0.0])
    SignSGD([w], rows=lambda: torch.tensor([2, 5, 5]), lr=0.1, weight_decay=1.0).step()
    torch.testing.assert_close(w[5].detach(), w0[5] * 0.9)                          # in the batch, zero gradient: decayed
    torch.testing.assert_close(w[2].detach(), w0[2] * 0.9 - 0.1 * torch.tensor([1.0, -1.0, 1.0, 0.0]))
    assert torch.equal(w[[0, 1, 3, 4]].detach(), w0[[0, 1, 3, 4]])

def test_puzzle_table_is_not_clipped(tmp_path):
    """As the published code, which never clips the table (its pretraining clips nothing): with clipping on, the
    global gradient clip covers the network, not the puzzle-embedding table (issue 19 s4c). With a clip far below the gradient, the network's gradient is clipped to it and the table's keeps its norm."""
    p = PuzzleParams.from_flat(dict(dataset="maze", maze_size=5, n_train=30, n_test=4, min_path_len=2, d_model=16, n_heads=2,
                                    H_cycles=1, L_cycles=1, halt_max_steps=2, puzzle_emb_len=2, grad_clip=1e-4, device="cpu"))
    tr, te = p.kind.build(p.data_config())
    task = p.make_task(tr, te)
    run = setup(task, p.engine.replace(batch_size=8), tmp_path)
    with torch.no_grad(): run.model.embed.puzzles.normal_()
    met, _ = train_step(run)
    net = torch.cat([q.grad.flatten() for n, q in run.model.named_parameters() if n != "embed.puzzles" and q.grad is not None])
    table = run.model.embed.puzzles.grad
    assert abs(net.norm().item() - 1e-4) < 1e-8 and table.norm().item() > 1e-3, (net.norm(), table.norm())

@pytest.mark.parametrize("flat", [dict(mode="trm", arch="attention"), dict(mode="trm", arch="mlp", q_continue=True),
                                  dict(mode="trm", arch="mlp", halting="dqn", replay_batch=4),
                                  dict(mode="hrm", arch="attention"), dict(mode="transformer", deep_supervision=True, arch="mlp")],
                         ids=["trm_att", "trm_mlp_qcont", "trm_mlp_dqn", "hrm_att", "tds_mlp"])
def test_trainer_flops_per_step_as_torch_counts_them(tmp_path, flat):
    """The FLOPs the trainer reports per step (`step_flops`) are the matmul FLOPs PyTorch's counter sees in one engine
    step (forward, look-ahead, loss, backward, optimizers), attention by its math path so the counter sees it (issue 19 s2)"""
    from torch.nn.attention import sdpa_kernel, SDPBackend
    from torch.utils.flop_counter import FlopCounterMode
    p = PuzzleParams.from_flat(dict(dataset="maze", maze_size=5, n_train=30, n_test=4, min_path_len=2, d_model=16, n_heads=2,
                                    H_cycles=2, L_cycles=3, halt_max_steps=3, puzzle_emb_len=2, batch_size=4, device="cpu", **flat))
    run = setup(p.make_task(*p.kind.build(p.data_config())), p.engine, tmp_path)
    for _ in range(2):                                                    # the first step (fresh carry) and a carried one
        with FlopCounterMode(display=False) as fc, sdpa_kernel(SDPBackend.MATH): train_step(run)
        if flat.get("halting") == "dqn":   # DQN's learner (target head, replay batch) adds Q-head matmuls, < 0.01 %, not counted
            assert run.task.flops_per_step == pytest.approx(fc.get_total_flops(), rel=1e-4), (run.task.flops_per_step, fc.get_total_flops())
        else: assert run.task.flops_per_step == fc.get_total_flops() > 0, (run.task.flops_per_step, fc.get_flop_counts())

@pytest.mark.parametrize("flat,message", [
    (dict(seeds=0), "seeds must be >= 1, got 0"),
    (dict(arms=","), "arms must name at least one arm (comma-separated), got ','"),
    (dict(arms=""), "arms must name at least one arm"),
    (dict(arms="bce_mlp,dqn_lstm"), "arms 'dqn_lstm': q_head must be one of"),
    (dict(arms="bce_mlp_intrinsic"), "arms 'bce_mlp_intrinsic': the intrinsic bonus enters the DQN reward only"),
])
def test_ablation_settings_refuse_bad_arms_and_seeds(flat, message):
    "Issue 16: nb24's -p seeds 0 and -p arms ',' gave an IndexError; the settings refuse them, naming the parameter"
    from reasoning_nb.config import ConfigError
    from reasoning_nb.halting_ablation import HaltingAblationParams
    with pytest.raises(ConfigError) as e: HaltingAblationParams.from_flat(flat)
    assert message in str(e.value), e.value

def test_ablation_notebook_refuses_zero_seeds(tmp_path):
    "The same refusal through plain papermill: a project error naming the parameter, raised before any data is built"
    err = notebook_error(ROOT / "nbs" / "24_halting_ablation.ipynb", tmp_path, seeds=0)
    assert err == "ConfigError: seeds must be >= 1, got 0", err
