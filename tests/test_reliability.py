"""Bad input and bad luck, as a user meets them on the exp8 command line and notebooks: one line with exit status 2
naming what was typed, no checkpoint of a diverged run over a good one, resume that leaves finished results alone
and survives a torn metrics line, and a full disk said in words."""
import json, os, stat, warnings
import pytest
import torch
from safetensors.torch import load_file
from conftest import ROOT, TINY, run_cli, notebook_error

BASE = [*TINY, "--device", "cpu"]


def _one_line(r, starts: str):
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith(f"rnb-train-exp8: error: {starts}"), r.stderr


def test_divergence_between_log_steps_leaves_every_checkpoint_finite(tmp_path):
    "lr 1e6 with log_interval 10: the divergence is caught before the next evaluation or save, and named"
    r = run_cli("--output_dir", tmp_path, *BASE, "--lr", "1e6", "--log_interval", "10", "--eval_interval", "2",
                "--ckpt_interval", "2", "--steps", "10", check=False)
    _one_line(r, "training diverged at step ")
    files = list((tmp_path / "checkpoints_baseline").glob("*.safetensors"))
    for f in files:
        assert all(torch.isfinite(t).all() for t in load_file(f).values()), f"{f.name} holds non-finite weights"
    evals = [json.loads(l) for l in (tmp_path / "results" / "metrics_baseline.jsonl").read_text().splitlines()]
    assert all(e["val_loss"] is not None for e in evals if e.get("kind") == "eval"), "a non-finite evaluation was logged"


def test_resuming_a_finished_run_leaves_its_results_alone(tmp_path):
    args = ("--output_dir", tmp_path, *BASE, "--steps", "4", "--ckpt_interval", "4", "--eval_interval", "4")
    run_cli(*args)
    res = tmp_path / "results" / "training_results_baseline.json"
    before = res.read_bytes()
    r = run_cli(*args, "--resume")
    assert "nothing to do" in r.stdout and res.read_bytes() == before


def test_resume_drops_a_torn_last_metrics_line_but_not_a_bad_middle_one(tmp_path):
    args = ("--output_dir", tmp_path, *BASE, "--steps", "4", "--ckpt_interval", "2", "--eval_interval", "2")
    run_cli(*args)
    m = tmp_path / "results" / "metrics_baseline.jsonl"
    good = m.read_text()
    m.write_text(good + '{"kind": "train", "step": 5, "lo')                      # what a kill mid-write leaves
    r = run_cli(*args, "--resume", "--extend-steps", "6")
    assert "dropped a torn last line" in r.stderr
    assert [json.loads(l)["step"] for l in m.read_text().splitlines()][-1] == 6
    lines = good.splitlines(); lines[2] = lines[2][:10]
    m.write_text("\n".join(lines) + "\n")
    r = run_cli(*args, "--resume", "--extend-steps", "8", check=False)
    assert r.returncode == 2 and "metrics_baseline.jsonl:3: not valid JSON" in r.stderr


@pytest.mark.parametrize("flags,starts", [
    (["--steps", "0"], "steps must be >= 1, got 0"),
    (["--output_dir", ""], "output_dir must not be empty"),
    (["--eval_batches", "0"], "eval_batches must be >= 1, got 0"),
    (["--eval_batches", "-1"], "eval_batches must be >= 1, got -1"),
    (["--lr", "inf"], "lr must be > 0 and finite, got inf"),
    (["--step", "3"], "unrecognized arguments: --step 3"),
    (["--gdn_heads", "0"], "gdn_heads must be > 0, got 0"),
    (["--seq_len", "0"], "seq_len must be >= 1, got 0"),
])
def test_values_that_were_silently_accepted_are_refused(tmp_path, flags, starts):
    args = [a for a in BASE if a != "--no_progress"]
    r = run_cli("--output_dir", tmp_path / "o", *args, *flags, check=False)
    _one_line(r, starts)


def test_bad_config_files_and_output_folders_are_one_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("steps: 3\nlr: [1\n")
    (tmp_path / "bin.yaml").write_bytes(b"\x80\x81\xfe binary")
    (tmp_path / "a_file").write_text("x")
    cases = [(["--config", tmp_path / "bad.yaml"], f"--config {tmp_path / 'bad.yaml'}:3: not valid YAML"),
             (["--config", tmp_path], f"--config {tmp_path}: is a directory"),
             (["--config", tmp_path / "bin.yaml"], f"--config {tmp_path / 'bin.yaml'}: not a text file"),
             (["--output_dir", tmp_path / "a_file"], f"output_dir {tmp_path / 'a_file'}: is a file, not a folder")]
    if os.geteuid() != 0:
        (tmp_path / "ro").mkdir(); os.chmod(tmp_path / "ro", 0o500)
        cases.append((["--output_dir", tmp_path / "ro" / "run"], f"output_dir {tmp_path / 'ro' / 'run'}: cannot write there"))
    for flags, starts in cases:
        _one_line(run_cli("--output_dir", tmp_path / "o", *BASE, *flags, check=False), starts)


def test_a_full_disk_is_said_in_words_and_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    from reasoning_nb import checkpoint
    m = torch.nn.Linear(3, 3)
    checkpoint.save_checkpoint(tmp_path / "last", model=m, config={}, state={"step": 1})
    def full(*a, **k): raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 64 vs 0")
    monkeypatch.setattr(checkpoint.torch, "save", full)
    with pytest.raises(checkpoint.CheckpointError, match=r"no space left on device writing .*last\.pt"):
        checkpoint.save_checkpoint(tmp_path / "last", model=m, config={}, state={"step": 2})
    monkeypatch.undo()
    assert checkpoint.load_checkpoint(tmp_path / "last", model=m, config={})["step"] == 1
    assert not [f for f in tmp_path.iterdir() if ".tmp-" in f.name]


def test_files_keep_the_users_umask(tmp_path):
    "atomic_write and the safetensors writer used mkstemp's 0600; every output is written as a plain open would"
    run_cli("--output_dir", tmp_path, *BASE, "--steps", "2", "--ckpt_interval", "2", "--eval_interval", "2")
    umask = os.umask(0); os.umask(umask)
    for f in [tmp_path / "results" / "training_results_baseline.json", tmp_path / "checkpoints_baseline" / "last.safetensors",
              tmp_path / "checkpoints_baseline" / "last.pt"]:
        assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~umask, f


def test_compare_notebook_refuses_a_missing_results_folder(tmp_path):
    msg = notebook_error(ROOT / "nbs" / "30_compare_exp8.ipynb", tmp_path, results_dir=str(tmp_path / "none"))
    assert "results_dir" in msg and "no such folder" in msg


def test_compare_refuses_a_file_of_the_wrong_kind(tmp_path):
    from reasoning_nb.analysis.compare import compare_exp8
    (tmp_path / "b.json").write_text('{"loss_improvement_pct": 3}')
    with pytest.raises(ValueError, match=r"b\.json: not an exp8 training result"):
        compare_exp8(baseline=tmp_path / "b.json", recursive=tmp_path / "b.json", out_dir=tmp_path)
