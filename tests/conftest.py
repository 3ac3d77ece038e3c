import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"   # present on the project's own machines only; tests using it skip otherwise

# A tiny exp8 configuration that trains in seconds on 2 CPU cores
TINY = ["--d_model", "64", "--n_layers", "2", "--attention_layers", "[1]", "--attn_heads", "4", "--gdn_heads", "2",
        "--gdn_head_dim", "16", "--seq_len", "64", "--batch_size", "8", "--max_chars", "300000", "--vocab_size", "512",
        "--warmup_steps", "4", "--eval_batches", "2", "--no_progress"]

@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory):
    "One tokenizer/token cache for the whole session, never the user's ~/.cache"
    d = tmp_path_factory.mktemp("rnb_cache")
    old = os.environ.get("REASONING_NB_CACHE")
    os.environ["REASONING_NB_CACHE"] = str(d)
    yield d
    if old is None: os.environ.pop("REASONING_NB_CACHE", None)
    else: os.environ["REASONING_NB_CACHE"] = old

@pytest.fixture
def cache(tmp_path, monkeypatch):
    "A cache dir of the test's own (tests of data builders use it to start cold)"
    d = tmp_path / "cache"
    monkeypatch.setenv("REASONING_NB_CACHE", str(d))
    return d

CLI = [sys.executable, "-c", "import sys; from reasoning_nb.train import train_exp8_cli; train_exp8_cli(sys.argv[1:])"]

def run_cli(*args, check=True, **kw):
    "Run `rnb-train-exp8` in a subprocess"
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, check=check, **kw)

def run_notebook(nb, tmp_path, **params):
    "Execute notebook `nb` under plain papermill with `params`, in `tmp_path`"
    import papermill as pm
    return pm.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), parameters=params, kernel_name="python3",
                               progress_bar=False, cwd=str(tmp_path))

def notebook_error(nb, tmp_path, **params) -> str:
    "'<exception name>: <message>' of a papermill run of `nb` that must fail"
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError) as e: run_notebook(nb, tmp_path, **params)
    return f"{e.value.ename}: {e.value.evalue}"
