"DDP: 2 CPU processes (gloo) train exactly like 1 process with the same global batch."
import os, subprocess, sys
import numpy as np
from reasoning_nb.metrics import read_jsonl
from conftest import TINY, run_cli

SCRIPT = "import sys; from reasoning_nb.train import train_exp8_cli; train_exp8_cli(sys.argv[1:])"

def _curves(out):
    recs = read_jsonl(out / "results" / "metrics_baseline.jsonl")
    return (np.array([r["loss"] for r in recs if "loss" in r]), np.array([r["val_loss"] for r in recs if "val_loss" in r]),
            np.array([r["grad_norm"] for r in recs if "grad_norm" in r]))

import pytest

@pytest.mark.parametrize("eval_batches", [2, 1])     # 1: fewer validation batches than ranks (rank 1 has none)
def test_ddp_two_processes_match_one(tmp_path, eval_batches):
    args = [*TINY, "--steps", "8", "--ckpt_interval", "8", "--eval_interval", "4", "--batch_size", "8", "--device", "cpu",
            "--eval_batches", str(eval_batches)]
    one = tmp_path / "one"
    run_cli("--output_dir", one, *args)
    script = tmp_path / "train.py"; script.write_text(SCRIPT)
    two = tmp_path / "two"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                        str(script), "--output_dir", str(two), *args], capture_output=True, text=True, env=env, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    (t1, v1, g1), (t2, v2, g2) = _curves(one), _curves(two)
    assert len(t1) == len(t2) == 8 and len(v1) == len(v2) and len(g1) == len(g2) == 8
    np.testing.assert_allclose(t2, t1, rtol=1e-5)   # same data, same math; only the reduction order differs
    np.testing.assert_allclose(v2, v1, rtol=1e-5)
    np.testing.assert_allclose(g2, g1, rtol=1e-4)   # the averaged gradient itself (AdamW hides a scale error in the loss)
    assert (two / "checkpoints_baseline" / "last.safetensors").exists()
    assert not (two / "results" / "metrics_baseline.jsonl.tmp").exists()

def test_resume_on_another_world_size_is_refused(tmp_path):
    args = [*TINY, "--steps", "4", "--ckpt_interval", "4", "--eval_interval", "4", "--batch_size", "8", "--device", "cpu"]
    script = tmp_path / "train.py"; script.write_text(SCRIPT)
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script),
                        "--output_dir", str(tmp_path), *args], capture_output=True, text=True,
                       env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    r = run_cli("--output_dir", tmp_path, *args, "--resume", "--extend-steps", "6", check=False)
    assert r.returncode == 2 and "written by 2 process(es) and cannot resume on 1" in r.stderr
