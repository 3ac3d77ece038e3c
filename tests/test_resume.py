"Exact resume: a run of N steps == a run killed with SIGKILL after N/2 and resumed to N."
import json, signal, subprocess, time
from safetensors import safe_open
from reasoning_nb.metrics import read_jsonl
from conftest import CLI, TINY, run_cli

N = 40

def _losses(out, name="baseline"):
    recs = read_jsonl(out / "results" / f"metrics_{name}.jsonl")
    return [r["loss"] for r in recs if "loss" in r], [r["val_loss"] for r in recs if "val_loss" in r]

def _ckpt_step(out, name="baseline"):
    f = out / f"checkpoints_{name}" / "last.safetensors"
    if not f.exists(): return -1
    try:
        with safe_open(str(f), "pt") as s: return int(s.metadata()["step"])
    except Exception: return -1   # being replaced right now

def test_sigkill_and_resume_is_exact(tmp_path):
    args = [*TINY, "--steps", N, "--ckpt_interval", N // 2, "--eval_interval", 10]
    full = tmp_path / "full"
    r = run_cli("--output_dir", full, *args)
    ref_train, ref_val = _losses(full)
    assert len(ref_train) == N

    killed = tmp_path / "killed"
    p = subprocess.Popen([*CLI, "--output_dir", str(killed), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.time()
    while _ckpt_step(killed) < N // 2:
        assert p.poll() is None, f"run ended before the kill: {p.stderr.read().decode()[-2000:]}"
        assert time.time() - t0 < 300, "no checkpoint after 300 s"
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL
    done = len(_losses(killed)[0])
    assert N // 2 <= done < N, f"kill landed at step {done}; the test needs it between {N // 2} and {N}"

    r2 = run_cli("--output_dir", killed, *args, "--resume", "true")
    train, val = _losses(killed)
    assert train == ref_train          # bit-for-bit equal floats, every step
    assert val == ref_val
    res = json.loads((killed / "results" / "training_results_baseline.json").read_text())
    assert res["resumed_from"] == N // 2 and res["steps"] == N
    assert json.loads(r2.stdout.strip().splitlines()[-1])["final_val_loss"] == json.loads(r.stdout.strip().splitlines()[-1])["final_val_loss"]

def test_extend_steps_continues_a_finished_run(tmp_path):
    args = [*TINY, "--steps", 10, "--ckpt_interval", 5, "--eval_interval", 5]
    run_cli("--output_dir", tmp_path, *args)
    before, _ = _losses(tmp_path)
    run_cli("--output_dir", tmp_path, *args, "--resume", "true", "--extend_steps", 6)
    after, _ = _losses(tmp_path)
    assert len(after) == 16 and after[:10] == before

def test_recursive_resume_with_ema_is_exact(tmp_path):
    "Carried ACT state, EMA weights and the token budget survive a SIGKILL after a checkpoint"
    args = [*TINY, "--model_type", "recursive", "--H_cycles", 1, "--L_cycles", 1, "--halt_max_steps", 3, "--ema", "true",
            "--ema_decay", 0.9, "--steps", 20, "--ckpt_interval", 5, "--eval_interval", 5]
    run_cli("--output_dir", tmp_path / "full", *args)
    ref_train, ref_val = _losses(tmp_path / "full", "recursive")
    ref = [r for r in read_jsonl(tmp_path / "full" / "results" / "metrics_recursive.jsonl") if "loss" in r]
    assert len(ref_train) > 20 and any(r["refilled"] < 8 for r in ref)   # more optimizer steps than batches: slots carried over
    mid = tmp_path / "mid"
    p = subprocess.Popen([*CLI, "--output_dir", str(mid), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while _ckpt_step(mid, "recursive") < 5:
        assert p.poll() is None, p.stderr.read().decode()[-2000:]
        time.sleep(0.002)
    assert p.poll() is None, "the run finished before the kill"
    p.send_signal(signal.SIGKILL); p.wait()
    assert _ckpt_step(mid, "recursive") < len(ref_train)
    run_cli("--output_dir", mid, *args, "--resume", "true")
    train, val = _losses(mid, "recursive")
    assert train == ref_train and val == ref_val
