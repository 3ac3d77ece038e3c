"The TRM/HRM puzzle pipeline: papermill runs of nbs/21_train_trm.ipynb per task, learning above chance, exact resume."
import json
from pathlib import Path
import papermill as pm
import pytest
import torch
from safetensors.torch import load_file
from conftest import ROOT
from reasoning_nb.models.puzzle import PuzzleModelConfig
from reasoning_nb.puzzles.maze import MazeConfig, build_maze
from reasoning_nb.train_puzzles import PuzzleTrainConfig, train_puzzles

NB = ROOT / "nbs" / "21_train_trm.ipynb"
TINY = dict(d_model=32, n_heads=4, H_cycles=1, L_cycles=1, halt_max_steps=2, batch_size=8, steps=12, eval_interval=6,
            eval_size=8, n_pictures=2, warmup_steps=2, device="cpu")

def _run(tmp_path, **params):
    return pm.execute_notebook(str(NB), str(tmp_path / "out.ipynb"), parameters=params, kernel_name="python3",
                               progress_bar=False, cwd=str(tmp_path))

def _check_outputs(out: Path, name: str, steps: int) -> dict:
    res = json.loads((out / "results" / f"results_{name}.json").read_text())
    assert res["step"] == steps and res["finished"] and [e["step"] for e in res["eval_curve"]][0] == 0
    for k in ("cell_accuracy", "exact_accuracy", "steps"): assert 0 <= res["final"][k] <= max(1, res["final"]["steps"])
    for png in ("curves", "puzzles"): assert (out / "results" / f"{png}_{name}.png").stat().st_size > 1000
    assert (out / f"checkpoints_{name}" / "last.safetensors").exists() and res["versions"]["torch"]
    return res

@pytest.mark.parametrize("task,extra", [
    ("sudoku", dict(n_train=10, n_test=8, n_aug=1)),
    ("maze", dict(n_train=20, n_test=8, n_aug=1, maze_size=7, min_path_len=4)),
    ("arc1", dict(max_tasks=2, n_aug=1, eval_size=0, steps=4, eval_interval=2, batch_size=2)),
])
def test_papermill_task_writes_results_and_pictures(tmp_path, task, extra):
    out = tmp_path / "o"
    params = {**TINY, **extra}
    _run(tmp_path, task=task, output_dir=str(out), **params)
    res = _check_outputs(out, f"{task}_trm", params["steps"])
    if task == "arc1": assert "pass@1" in res["final"] and "pass@2" in res["final"]

def test_papermill_transformer_mlp_and_hrm(tmp_path):
    for model, arch in (("transformer", "mlp"), ("hrm", "attention")):
        out = tmp_path / model
        _run(tmp_path, task="maze", model=model, arch=arch, output_dir=str(out), n_train=20, n_test=8, maze_size=7,
             min_path_len=4, **{**TINY, "steps": 6})
        res = _check_outputs(out, f"maze_{model}", 6)
        assert res["final"]["steps"] == (1 if model == "transformer" else 2)

def test_papermill_arc2_with_separate_H(tmp_path):
    out = tmp_path / "o"
    _run(tmp_path, task="arc2", separate_H=True, output_dir=str(out), max_tasks=2, n_aug=1,
         **{**TINY, "steps": 2, "eval_interval": 2, "batch_size": 2, "eval_size": 0})
    res = _check_outputs(out, "arc2_trm", 2)
    assert "pass@1" in res["final"] and res["config"]["model"]["separate_H"] is True

def test_unknown_and_bad_parameters(tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match=r"unknown parameter\(s\) \['taks'\]"): _run(tmp_path, taks="maze")
    with pytest.raises(pm.PapermillExecutionError, match="task must be one of"): _run(tmp_path, task="chess")

@pytest.fixture(scope="module")
def easy_mazes():
    "Small mazes with short paths: most cells are copied from the input, so a short run learns a lot"
    return build_maze(MazeConfig(size=7, n_train=200, n_test=32, min_path_len=4, seed=0))

def test_short_training_beats_untrained(tmp_path, easy_mazes):
    tr, te = easy_mazes
    mcfg = PuzzleModelConfig(d_model=32, n_heads=4, H_cycles=2, L_cycles=1, halt_max_steps=2, vocab_size=tr.vocab_size,
                             seq_len=tr.seq_len)
    tcfg = PuzzleTrainConfig(steps=60, batch_size=16, lr=3e-3, warmup_steps=5, eval_interval=60, eval_size=0,
                             n_pictures=1, device="cpu")
    res = train_puzzles(mcfg, tcfg, tr, te, tmp_path, task="maze", progress=False)
    before, after = res["initial"]["cell_accuracy"], res["final"]["cell_accuracy"]
    assert before < 0.5 and after > before + 0.3, (before, after)

def test_resume_is_exact(tmp_path, easy_mazes):
    tr, te = easy_mazes
    mcfg = PuzzleModelConfig(d_model=32, n_heads=4, H_cycles=1, L_cycles=1, halt_max_steps=3, vocab_size=tr.vocab_size,
                             seq_len=tr.seq_len)
    tcfg = PuzzleTrainConfig(steps=16, batch_size=8, warmup_steps=2, eval_interval=8, eval_size=8, n_pictures=0,
                             device="cpu", ema=True)
    full = train_puzzles(mcfg, tcfg, tr, te, tmp_path / "a", task="maze", progress=False)
    part = train_puzzles(mcfg, tcfg.replace(stop_after=7), tr, te, tmp_path / "b", task="maze", progress=False)
    assert part["step"] == 7 and not part["finished"]
    resumed = train_puzzles(mcfg, tcfg.replace(resume=True), tr, te, tmp_path / "b", task="maze", progress=False)
    assert [r["loss"] for r in resumed["train_curve"]] == [r["loss"] for r in full["train_curve"]]
    w = [load_file(tmp_path / d / "checkpoints_maze_trm" / "last.safetensors") for d in "ab"]
    assert all(torch.equal(w[0][k], w[1][k]) for k in w[0])
    with pytest.raises(Exception, match="different config"):
        train_puzzles(mcfg, tcfg.replace(resume=True, lr=5e-4), tr, te, tmp_path / "b", task="maze", progress=False)
