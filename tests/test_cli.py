"""`rnb`: a subcommand per pipeline and `rnb run` for notebooks. A kernel killed mid-run (what out-of-memory does)
exits non-zero with one line, and leaves the partial notebook and a loadable checkpoint; bad parameters are one line."""
import os, signal, subprocess, sys, time
from pathlib import Path
import psutil
import pytest
from conftest import ROOT

RNB = [sys.executable, "-c", "from reasoning_nb.cli import rnb_main; rnb_main()"]
NB20 = str(ROOT / "nbs" / "20_train_exp8.ipynb")
SMALL = dict(d_model=64, n_layers=2, attention_layers="[1]", attn_heads=4, gdn_heads=2, gdn_head_dim=16, seq_len=64,
             batch_size=8, max_chars=300000, vocab_size=512, eval_batches=2, warmup_steps=4)


def _p(**kw): return [a for k, v in kw.items() for a in ("-p", k, str(v))]


def test_killed_kernel_exits_nonzero_with_one_line_and_keeps_notebook_and_checkpoint(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen([*RNB, "run", NB20, str(tmp_path / "out.ipynb"), *_p(**SMALL, steps=100000, ckpt_interval=2,
                             eval_interval=1000, output_dir=out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ck = out / "checkpoints_baseline" / "last.pt"
    deadline = time.time() + 1800                                  # a bound for a loaded machine, not a timing
    while not ck.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "no checkpoint was written"
        time.sleep(0.5)
    kernels = [p for p in psutil.Process(proc.pid).children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
    assert len(kernels) == 1, kernels
    kernels[0].send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err[-2000:]
    lines = err.strip().splitlines()
    assert lines[-1].startswith("rnb: error: ") and "the kernel died" in lines[-1] and "Traceback" not in err, err[-2000:]
    import nbformat
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)                     # the partial notebook, as far as it got
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    from reasoning_nb.checkpoint import load_checkpoint
    assert load_checkpoint(out / "checkpoints_baseline" / "last")["step"] >= 2


def test_rnb_run_bad_parameter_is_one_line_with_status_2(tmp_path):
    r = subprocess.run([*RNB, "run", NB20, str(tmp_path / "o.ipynb"), "-p", "step", "3"], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr[-2000:]
    assert r.stderr.strip().splitlines()[-1].startswith("rnb: error: ") and "unknown parameter(s) ['step'] (did you mean steps" in r.stderr


@pytest.mark.parametrize("argv,msg", [(["exp8", "--steps", "0"], "rnb: error: steps must be >= 1, got 0"),
                                      (["trian"], "rnb: error: unknown subcommand 'trian'")])
def test_rnb_subcommands_bad_input_is_one_line(argv, msg):
    r = subprocess.run([*RNB, *argv], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [r.stderr.strip()] and r.stderr.startswith(msg), r.stderr


# ---- the puzzle pipelines (notebooks 21 and 24) as subcommands, from the same settings classes ----
MAZE = ["--dataset", "maze", "--maze_size", "5", "--min_path_len", "2", "--n_train", "16", "--n_test", "4", "--n_aug", "0",
        "--d_model", "16", "--n_heads", "2", "--H_cycles", "1", "--L_cycles", "1", "--halt_max_steps", "2", "--batch_size", "4",
        "--device", "cpu", "--no_progress"]


def _last_json(out: str) -> dict:
    import json
    return json.loads(out.strip().splitlines()[-1])


def test_rnb_puzzles_trains_tiny_and_mirrors_to_tensorboard(tmp_path):
    "rnb puzzles: a tiny maze run writes the notebook's results, and the engine's tracker setting reaches it"
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    r = subprocess.run([*RNB, "puzzles", *MAZE, "--steps", "4", "--eval_interval", "2", "--ckpt_interval", "4",
                        "--tracker", "tensorboard", "--output_dir", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    head = _last_json(r.stdout)
    assert head["name"] == "maze_trm" and head["step"] == 4 and 0 <= head["exact_accuracy"] <= 1
    import json
    res = json.loads(Path(head["results"]).read_text())
    assert res["settings"]["tracker"] == "tensorboard" and res["config"]["engine"]["tracker"] == "tensorboard"
    ea = EventAccumulator(str(tmp_path / "tensorboard" / "maze_trm")); ea.Reload()
    assert [e.step for e in ea.Scalars("train/loss")] == [1, 2, 3, 4] and [e.step for e in ea.Scalars("eval/exact_accuracy")] == [0, 2, 4]


def test_rnb_halting_ablation_tiny_with_seeds_and_tracker(tmp_path):
    "rnb halting-ablation: two arms x two seeds at tiny size; the table, the runs and each run's tracker files"
    pytest.importorskip("tensorboard")
    r = subprocess.run([*RNB, "halting-ablation", *MAZE, "--steps", "2", "--arms", "bce_mlp,dqn_mlp", "--seeds", "2", "--seed", "3",
                        "--eps_steps", "2", "--replay_batch", "4", "--eval_size", "4", "--tracker", "tensorboard",
                        "--output_dir", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    import json
    head = _last_json(r.stdout)
    res = json.loads(Path(head["results"]).read_text())
    assert set(head["exact_accuracy"]) == {"bce_mlp", "dqn_mlp"} and res["arms"]["dqn_mlp"]["seeds"] == 2
    assert [(x["arm"], x["seed"]) for x in res["runs"]] == [("bce_mlp", 3), ("bce_mlp", 4), ("dqn_mlp", 3), ("dqn_mlp", 4)]
    assert all(Path(p).stat().st_size > 1000 for p in res["paths"].values())
    import numpy as np
    from scipy import stats
    for k in ("exact_accuracy", "wall_s"):                                               # the 95 % interval of the mean, t with 1 dof
        v = [x[k] for x in res["runs"] if x["arm"] == "dqn_mlp"]                          # (wall times always differ between seeds)
        assert res["arms"]["dqn_mlp"]["ci95"][k] == pytest.approx(stats.t.ppf(0.975, 1) * np.std(v, ddof=1) / np.sqrt(2))
    assert sorted(p.name for p in (tmp_path / "runs" / "tensorboard").iterdir()) == ["bce_mlp_s3", "bce_mlp_s4", "dqn_mlp_s3", "dqn_mlp_s4"]


@pytest.mark.parametrize("argv,msg", [
    (["puzzles", "--batch_size", "-5"], "rnb: error: batch_size must be >= 1, got -5"),
    (["puzzles", "--dataset", "sodoku"], "rnb: error: dataset must be one of ['sudoku', 'maze', 'arc1', 'arc2'], got 'sodoku'"),
    (["puzzles", "--tracker", "neptune"], "rnb: error: tracker must be one of ['none', 'tensorboard', 'wandb', 'mlflow'], got 'neptune'"),
    (["puzzles", "--step", "3"], "rnb: error: unrecognized arguments: --step 3"),
    (["halting-ablation", "--seeds", "0"], "rnb: error: seeds must be >= 1, got 0"),
    (["halting-ablation", "--arms", ","], "rnb: error: arms must name at least one arm (comma-separated), got ','"),
    (["halting-ablation", "--arms", "bce_mlp,ppo_mlp"], "rnb: error: arms 'ppo_mlp': halting must be one of"),
])
def test_rnb_puzzle_subcommands_bad_input_is_one_line_with_status_2(argv, msg):
    r = subprocess.run([*RNB, *argv], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [r.stderr.strip()] and r.stderr.startswith(msg), r.stderr


def test_rnb_phase1a_runs_the_pipeline(tmp_path):
    "`rnb phase1a` is notebook 23's run from flags: the tiny LM, two arithmetic pairs, a few steps; results where it says"
    out = tmp_path / "p1a"
    r = subprocess.run([*RNB, "phase1a", "--model", "tiny", "--pairs", "arithmetic", "--n_pairs", "2", "--K_values", "[2]", "--K_main", "2",
                        "--steps", "3", "--restarts", "1", "--stage1", "false", "--device", "cpu", "--output_dir", str(out)],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1] == f"rnb phase1a: done; results under {out}"
    import json
    assert json.loads((out / "results.json").read_text())["n_pairs"] == 2
