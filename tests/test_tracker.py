"The tracker setting: a run's metrics mirrored to TensorBoard (read back with TensorBoard's reader), W&B offline and MLflow's file store."
import json
import pytest
from conftest import TINY, run_cli

ARGS = [*TINY, "--device", "cpu", "--steps", "4", "--eval_interval", "2", "--ckpt_interval", "4"]


def _train_losses(out):
    recs = [json.loads(l) for l in (out / "results" / "metrics_baseline.jsonl").read_text().splitlines()]
    return [(r["step"], r["loss"]) for r in recs if r.get("kind") == "train"]


def test_tensorboard_event_files_hold_the_run(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    run_cli("--output_dir", tmp_path, *ARGS, "--tracker", "tensorboard")
    ea = EventAccumulator(str(tmp_path / "tensorboard" / "baseline")); ea.Reload()
    got = [(e.step, e.value) for e in ea.Scalars("train/loss")]
    want = _train_losses(tmp_path)
    assert [s for s, _ in got] == [s for s, _ in want] == [1, 2, 3, 4]
    assert all(abs(a - b) < 1e-5 * abs(b) for (_, a), (_, b) in zip(got, want))
    assert [e.step for e in ea.Scalars("eval/val_loss")] == [0, 2, 4]
    assert {"train/lr", "train/grad_norm", "train/rows_per_s"} <= set(ea.Tags()["scalars"])
    assert "config" in "".join(ea.Tags()["tensors"])


def test_mlflow_file_store_holds_the_run(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")          # to read the file store back here too
    run_cli("--output_dir", tmp_path, *ARGS, "--tracker", "mlflow")
    c = mlflow.MlflowClient(tracking_uri=(tmp_path / "mlruns").as_uri())
    run, = c.search_runs([c.get_experiment_by_name("reasoning_nb").experiment_id])
    hist = [(m.step, m.value) for m in c.get_metric_history(run.info.run_id, "train/loss")]
    assert sorted(s for s, _ in hist) == [1, 2, 3, 4] and run.data.params["train.optim.lr"] == "0.002"


def test_wandb_offline_run_is_written(tmp_path):
    pytest.importorskip("wandb")
    run_cli("--output_dir", tmp_path, *ARGS, "--tracker", "wandb")
    runs = list((tmp_path / "wandb").glob("offline-run-*"))
    assert len(runs) == 1 and list(runs[0].glob("*.wandb")), list((tmp_path / "wandb").iterdir())


def test_unknown_tracker_is_one_line(tmp_path):
    r = run_cli("--output_dir", tmp_path, *ARGS, "--tracker", "neptune", check=False)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [
        "rnb-train-exp8: error: tracker must be one of ['none', 'tensorboard', 'wandb', 'mlflow'], got 'neptune'"]
