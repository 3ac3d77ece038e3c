"The exp8 pipeline notebook under plain papermill: a short run, and one clear error for each kind of bad input."
import json, re
from pathlib import Path
import papermill as pm
import pytest
from conftest import ROOT, TINY, run_cli, run_notebook, notebook_error

NB = ROOT / "nbs" / "20_train_exp8.ipynb"
SMALL = dict(d_model=64, n_layers=2, attention_layers=[1], attn_heads=4, gdn_heads=2, gdn_head_dim=16, seq_len=64,
             batch_size=8, max_chars=300000, vocab_size=512, eval_batches=2, warmup_steps=4)

def _run(tmp_path, **params): return run_notebook(NB, tmp_path, **params)

def _error(tmp_path, **params) -> str: return notebook_error(NB, tmp_path, **params)

def test_papermill_short_run_writes_results(tmp_path):
    out = tmp_path / "run"
    _run(tmp_path, **SMALL, steps=30, eval_interval=15, ckpt_interval=15, output_dir=str(out))
    res = json.loads((out / "results" / "training_results_baseline.json").read_text())
    assert res["steps"] == 30 and res["config"]["model"]["d_model"] == 64 and res["config"]["train"]["optim"]["lr"] == 2e-3
    assert res["val_curve"][-1]["loss"] < res["val_curve"][0]["loss"]
    assert (out / "results" / "training_curves_baseline.png").stat().st_size > 1000
    assert (out / "checkpoints_baseline" / "best_model.safetensors").exists()
    assert res["versions"]["torch"] and "git_commit" in res

def test_unknown_parameter(tmp_path):
    msg = _error(tmp_path, step=10)
    assert "unknown parameter(s) ['step']" in msg

def test_ill_typed_parameter(tmp_path):
    assert "steps must be an int, got 'ten'" in _error(tmp_path, steps="ten")

def test_bad_attention_indices(tmp_path):
    assert "attention_layers indices [7] out of range for n_layers=4" in _error(tmp_path, attention_layers=[1, 7])
    assert "attention_layers has duplicates [1]" in _error(tmp_path, attention_layers=[1, 1])

def test_bad_model_type(tmp_path):
    assert "model_type must be one of ['baseline', 'recursive']" in _error(tmp_path, model_type="transformer", output_dir=str(tmp_path / "o"))

def test_compare_writes_summary_that_agrees_with_result_files(tmp_path):
    out = tmp_path / "cmp"
    _run(tmp_path, **SMALL, steps=8, eval_interval=4, ckpt_interval=8, compare=True, H_cycles=1, L_cycles=1,
         halt_max_steps=2, output_dir=str(out))
    rd = out / "results"
    s = json.loads((rd / "comparison_summary.json").read_text())
    b, r = (json.loads((rd / f"training_results_{t}.json").read_text()) for t in ("baseline", "recursive"))
    assert (rd / "comparison_plots.png").stat().st_size > 1000
    assert s["flops_per_token_ratio"] > 1 and r["flops_per_token"] > b["flops_per_token"]
    assert b["tokens_seen"] == r["tokens_seen"] == 8 * 8 * 64      # same token budget
    assert r["steps"] >= b["steps"] and s["same_data"] and s["same_seed"]
    assert set(s["act"]) == {"reasoning_steps", "halt_rate", "q_halt_mean", "q_continue_mean", "act_penalty"}

def test_empty_dataset(tmp_path):
    empty = tmp_path / "empty.txt"; empty.write_text("\n\n")
    msg = _error(tmp_path, dataset=str(empty), output_dir=str(tmp_path / "o"))
    assert "empty.txt" in msg and "no text" in msg.lower()

def test_corrupted_and_mismatched_checkpoint(tmp_path):
    out = tmp_path / "ck"
    args = [a for a in TINY]
    r = run_cli("--output_dir", out, *args, "--steps", 4, "--ckpt_interval", 4, "--eval_interval", 4)
    assert "batch/s" not in r.stderr + r.stdout          # TINY passes --no_progress: no bar
    assert re.search(r"^exp8 baseline: \d+\.\d\dM parameters \(\d+\.\d\dM without the embedding\)$", r.stdout, re.M), r.stdout[:500]
    p = {**SMALL, "steps": 4, "output_dir": str(out), "resume": True}
    assert "task.model.d_model: checkpoint 64 != current 32" in _error(tmp_path, **{**p, "d_model": 32, "attn_heads": 2})
    for f in ("last.safetensors", "last.prev.safetensors"):
        f = out / "checkpoints_baseline" / f
        if f.exists(): f.write_bytes(f.read_bytes()[:100])
    msg = _error(tmp_path, **p)
    assert "CheckpointError" in msg and "corrupted or truncated" in msg

def test_notebook_parameters_are_the_cli_settings():
    "The notebook's parameters cell is the flat view of Exp8Params (which rnb-train-exp8 is built from): names, types, defaults, help"
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    import params_cells
    from reasoning_nb.train import Exp8Params
    assert not [s for s in params_cells.stale_cells() if s[0] == NB], "stale parameters cell: run python tools/params_cells.py"
    nb = {k: v for k, v in pm.inspect_notebook(str(NB)).items() if not k.startswith("_")}
    names = Exp8Params.names()
    assert list(nb) == list(names)
    d = Exp8Params().flat()
    for k, f in names.items():
        assert eval(nb[k]["default"]) == d[k], k
        assert nb[k]["inferred_type_name"].replace("typing.", "") == f.annotation, k
        assert nb[k]["help"] == f.doc, k


def test_experiment_and_steps_conflict(tmp_path):
    assert "steps 300 conflicts with experiment='extended'" in _error(tmp_path, experiment="extended", steps=300)

def test_cli_bad_input_is_one_line_with_exit_status_2(tmp_path):
    r = run_cli("--output_dir", tmp_path, "--attention_layers", "[9]", check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == ["rnb-train-exp8: error: attention_layers indices [9] out of range for n_layers=4 (valid: 0..3)"]
    r = run_cli("--output_dir", tmp_path, "--config", tmp_path / "nope.yaml", check=False)
    assert r.returncode == 2 and "nope.yaml: no such file" in r.stderr and "Traceback" not in r.stderr

@pytest.mark.parametrize("main,args,msg", [
    ("reasoning_nb.puzzles.maze:MAZE.main", ["--maze_size", "2"], "rnb-build-maze: error: maze_size must be in 4-255, got 2"),
    ("reasoning_nb.puzzles.sudoku_data:SUDOKU.main", ["--n_train", "-1"], "rnb-build-sudoku: error: n_train must be >= 1 or None, got -1"),
    ("reasoning_nb.puzzles.arc_data:ARC1.main", ["--version", "arc9"], "rnb-build-arc: error: version"),
])
def test_build_clis_bad_input_is_one_line_with_exit_status_2(tmp_path, main, args, msg):
    "The console scripts of pyproject.toml (`module:object.main`)"
    import subprocess, sys
    mod, fn = main.split(":")
    obj = fn.split(".")[0]
    r = subprocess.run([sys.executable, "-c", f"import sys; from {mod} import {obj}; {fn}(sys.argv[1:])", "--out", str(tmp_path), *args],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith(msg), r.stderr
