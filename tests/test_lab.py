"""`make lab`: JupyterLab on the notebooks. Starts its server (the Makefile's own command) on a free localhost port
with a token, fetches /lab, the index notebook and /api/kernelspecs, then stops it."""
import json, os, secrets, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from pathlib import Path
import pytest
from conftest import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def _get(url, token=None, timeout=120):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=timeout) as r: return r.status, r.read().decode()


def test_make_lab_serves_the_notebooks(tmp_path):
    if not (Path(sys.executable).parent / "jupyter-lab").exists():
        pytest.skip("jupyterlab is not installed (it is in the dev extras: pip install -e '.[dev]')")
    port, token = _free_port(), secrets.token_hex(16)
    args = f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"), JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"))
    # the `lab-serve` recipe is what `make lab` runs after `make setup`; BIN points it at this interpreter's tools
    proc = subprocess.Popen(["make", "-s", "lab-serve", f"BIN={Path(sys.executable).parent}", f"LAB_ARGS={args}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 600          # a bound for a loaded machine, not a timing
        while True:
            try: _get(f"{base}/api/status", token, timeout=30); break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                if proc.poll() is not None or time.time() > deadline:
                    out = proc.stdout.read() if proc.poll() is not None else "(still running)"
                    pytest.fail(f"JupyterLab did not come up on {base}: {out[-3000:]}")
                time.sleep(0.5)
        status, page = _get(f"{base}/lab?token={token}")
        assert status == 200 and "JupyterLab" in page
        status, page = _get(f"{base}/lab/tree/nbs/index.ipynb?token={token}")
        assert status == 200
        specs = json.loads(_get(f"{base}/api/kernelspecs", token)[1])
        assert "python3" in specs["kernelspecs"], specs
        nb = json.loads(_get(f"{base}/api/contents/nbs/20_train_exp8.ipynb", token)[1])
        assert nb["type"] == "notebook" and nb["content"]["cells"], "the pipeline notebook is not served"
        with pytest.raises(urllib.error.HTTPError) as e: _get(f"{base}/api/kernelspecs")   # no token: refused
        assert e.value.code == 403
    finally:
        if proc.poll() is None: os.killpg(proc.pid, signal.SIGTERM)
        try: proc.wait(20)
        except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait()
