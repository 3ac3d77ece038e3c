"""`rnb`: a subcommand per pipeline and `rnb run` for notebooks. A kernel killed mid-run (what out-of-memory does)
exits non-zero with one line, and leaves the partial notebook and a loadable checkpoint; bad parameters are one line."""
import os, signal, subprocess, sys, time
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
