"""One GPU check for a rare GPU loan: notebook `#| gpu` cells, FLA's gated delta rule kernel in bf16 and fp32 against the
fp32 reference, GDN layer bf16 accuracy, exp8 and long-context LM throughput, the chunked LM loss, the TRM Sudoku
training step, steering's generation overhead (bench/bench_steering.py) and Phase-1a batched vs per-pair soft-prompt
optimisation (bench/bench_soft_prompt.py) on a frozen LM in bf16 (`--frozen_lm`), in about 8 minutes on one H100/H200
(before the two frozen-LM items, whose time on a GPU is not yet measured).

It needs only what the GPU image has (PyTorch, numpy) plus the carried FLA/tilelang wheels: no nbdev, papermill,
datasets or fastcore (a stand-in for `fastcore.test` is put on the notebook scripts' path when fastcore is missing).
Results go to ONE JSON (`--out`; default outputs/gpu_check.json, so a CPU dry run never leaves a file among the
papers' results) and a table is printed last. Each item runs on its
own: a failure is recorded in the JSON (`"error"`) and the exit status is 1, the other items still run.

The two device calls (`/work/shared/gpu/README.md`; wheels from `../shared/gpu/prepare_wheels.sh` in `.gpuwheels/`):

  call 1 (installs .gpuwheels/a; carry [".gpuwheels/a"], timeout_s 300):
    python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpuwheels/a/*.whl

  call 2 (right after, while the machine is warm; carry [".gpuwheels/b"], timeout_s 600):
    python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpuwheels/b/*.whl && \\
    PYTHONPATH=/tmp/site:$PWD bash bench/gpu_check.sh --out $OUT/gpu_check.json

CPU form (CI runs it through tests/test_gpu_check.py, seconds): `bash bench/gpu_check.sh --device cpu --tiny`.
There the `#| gpu` cells are extracted and byte-compiled and their notebook's export/import cells run, but the gpu
cells themselves are recorded as "skipped: no CUDA", and so is the FLA kernel's accuracy check (bf16 numerics are a
GPU property: Triton's interpreter, which the FLA test tier runs on CPUs, does not reproduce them).

Timing: CUDA events around each step after warm-up steps (FLA autotunes on first use), median over the timed steps.
MFU = `flops_per_token(cfg, T)` x tokens/s over the device's dense bf16 peak (PEAK_BF16_TFLOPS, by device name).
"""
import argparse, json, math, os, statistics, subprocess, sys, tempfile, time, traceback
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEAK_BF16_TFLOPS = [("H100 PCIe", 756.0), ("H100", 989.0), ("H200", 989.0), ("A100", 312.0)]  # dense bf16, by name

# ---------------------------------------------------------------------------------------------------------------
# Model-building calls: the ONE place to update when config fields or model interfaces are renamed.
# ---------------------------------------------------------------------------------------------------------------
def build_lm(variant: str, *, seq_len: int, tiny: bool):
    "exp8-sized HybridLM: 'hybrid' (attention at [5, 11]), 'attention' (every layer) or 'gdn' (no attention)"
    from reasoning_nb.models.hybrid import HybridLM, exp8_config
    size = dict(vocab_size=256, d_model=64, n_layers=2, attn_heads=4, gdn_heads=2, gdn_head_dim=16) if tiny else {}
    n = size.get("n_layers", 12)
    attn = {"hybrid": [1] if tiny else [5, 11], "attention": list(range(n)), "gdn": []}[variant]
    return HybridLM(exp8_config(**size, attention_layers=attn, max_seq_len=max(1024, seq_len)))

def lm_loss(model, x, y):
    "Training loss of the LM on tokens x: [B, T] with targets y: [B, T]"
    return model(x, y)

def lm_flops_per_token(model, seq_len: int) -> float:
    from reasoning_nb.models.hybrid import flops_per_token
    return flops_per_token(model.cfg, seq_len)

def build_gdn_layer(*, tiny: bool, backend: str = "auto"):
    "One exp8 GDN layer (width 768, 6 heads of 128)"
    from reasoning_nb.models.gdn import GDNConfig, GatedDeltaNet
    kw = dict(d_model=64, num_heads=2, head_dim=16) if tiny else dict(d_model=768, num_heads=6, head_dim=128)
    return GatedDeltaNet(GDNConfig(**kw, backend=backend))

def build_trm(*, tiny: bool):
    "The TRM Sudoku MLP-t model, from the pipeline's settings (tiny: a CPU-sized one)"
    from reasoning_nb.models.puzzle import PuzzleModel
    from reasoning_nb.train_puzzles import PuzzleParams
    size = (dict(d_model=32, puzzle_emb_len=4, H_cycles=1, L_cycles=2, halt_max_steps=2) if tiny else
            dict(d_model=512, puzzle_emb_len=16, H_cycles=3, L_cycles=6, halt_max_steps=16))
    settings = PuzzleParams.from_flat(dict(arch="mlp", n_layers=2, mode="trm", **size))
    return PuzzleModel(settings.model_config(vocab_size=11, seq_len=81, n_puzzles=8 if tiny else 1000))

def trm_step_loss(model, carry, batch):
    "One supervision step: (new carry, loss)"
    from reasoning_nb.models.act import act_loss
    carry, out = model(carry, batch)
    return carry, act_loss(out, carry.data["labels"], cfg=model.act_cfg)[0]

# ---------------------------------------------------------------------------------------------------------------
# Timing and helpers
# ---------------------------------------------------------------------------------------------------------------
def time_step(step, dev, *, warmup: int, steps: int) -> float:
    "Median seconds of `step()` after `warmup` untimed calls (CUDA events on CUDA, perf_counter elsewhere)"
    import torch
    for _ in range(warmup): step()
    if dev.type != "cuda":
        ts = []
        for _ in range(steps):
            t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
        return statistics.median(ts)
    torch.cuda.synchronize()
    ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(steps)]
    for a, b in ev:
        a.record(); step(); b.record()
    torch.cuda.synchronize()
    return statistics.median(a.elapsed_time(b) / 1e3 for a, b in ev)

def peak_tflops(dev, override):
    if override: return override
    if dev.type != "cuda": return None
    import torch
    name = torch.cuda.get_device_name(dev)
    return next((p for k, p in PEAK_BF16_TFLOPS if k in name), None)

def reset_mem(dev):
    import gc, torch
    gc.collect()
    if dev.type == "cuda": torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(dev)

def peak_mem_gib(dev):
    import torch
    return torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else None

def autocast(dev):
    import torch
    return torch.autocast(dev.type, dtype=torch.bfloat16)

def rel_err(a, b) -> float:
    return ((a.detach().double() - b.detach().double()).norm() / b.detach().double().norm().clamp_min(1e-30)).item()

# ---------------------------------------------------------------------------------------------------------------
# (a) notebook #| gpu cells
# ---------------------------------------------------------------------------------------------------------------
FASTCORE_TEST_STANDIN = '''"Stand-in for fastcore.test on machines without fastcore (written by bench/gpu_check.py)"
import torch
def test_eq(a, b):
    ok = torch.equal(torch.as_tensor(a), torch.as_tensor(b)) if torch.is_tensor(a) or torch.is_tensor(b) else a == b
    assert ok, f"==:\\n{a}\\n{b}"
def test_close(a, b, eps=1e-5):
    a, b = torch.as_tensor(a).double(), torch.as_tensor(b).double()
    assert a.shape == b.shape and bool(((a - b).abs() <= eps).all()), f"close:\\n{a}\\n{b}"
def test_fail(f, msg="", contains=""):
    try: f()
    except Exception as e:
        assert not contains or contains in str(e), f"{contains!r} not in {e}"; return
    assert False, f"Expected exception but none raised. {msg}"
'''

def _directive(src: str) -> str:
    "The first line's `#| ...` directive, or ''"
    first = src.lstrip().split("\n", 1)[0].strip()
    return first[2:].strip() if first.startswith("#|") else ""

def _is_import_cell(src: str) -> bool:
    lines = [l for l in src.split("\n") if l.strip() and not l.strip().startswith("#")]
    return bool(lines) and all(l.startswith(("import ", "from ")) for l in lines)

def notebook_scripts(nb_dir: Path) -> dict:
    "{notebook: (prelude source, [gpu cell sources])} for every notebook with `#| gpu` cells"
    out = {}
    for nb in sorted(nb_dir.glob("*.ipynb")):
        cells = ["".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
        gpu = [s for s in cells if "gpu" in _directive(s).split()]
        if not gpu: continue
        pre = [s for s in cells if _directive(s).split()[:1] == ["export"] or (not _directive(s) and _is_import_cell(s))]
        fut = sorted({l for s in pre for l in s.split("\n") if l.startswith("from __future__")})
        body = "\n\n".join("\n".join(l for l in s.split("\n") if not l.startswith("from __future__")) for s in pre)
        out[nb.name] = ("\n".join(fut) + "\n" + body + "\n", gpu)
    return out

def run_notebooks(a, dev) -> list:
    rows, tmp = [], Path(tempfile.mkdtemp(prefix="gpu_check_nb_"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    try: import fastcore.test  # noqa: F401
    except ImportError:
        (tmp / "fastcore").mkdir(); (tmp / "fastcore" / "__init__.py").write_text("")
        (tmp / "fastcore" / "test.py").write_text(FASTCORE_TEST_STANDIN)
        env["PYTHONPATH"] = os.pathsep.join([str(tmp), env["PYTHONPATH"]])
    for name, (pre, gpu) in notebook_scripts(Path(a.nb_dir)).items():
        row = dict(notebook=name, gpu_cells=len(gpu))
        try:
            for i, s in enumerate(gpu): compile(s, f"{name}:gpu{i}", "exec")            # syntax errors show on CPU too
            cuda = dev.type == "cuda"
            script = tmp / (Path(name).stem + ".py")
            script.write_text(pre + "".join(f"\n# ---- gpu cell {i}\n{s}\n" for i, s in enumerate(gpu)) if cuda else pre)
            t = time.perf_counter()
            r = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=a.nb_timeout)
            row.update(seconds=time.perf_counter() - t, output_tail=(r.stdout + r.stderr)[-1500:])
            if r.returncode != 0: row["error"] = f"exit {r.returncode}" + ("" if cuda else " (export/import cells)")
            row["status"] = ("pass" if r.returncode == 0 else "fail") if cuda else "skipped: no CUDA"
        except Exception as e:
            row.update(status="fail", error=f"{type(e).__name__}: {e}")
        rows.append(row)
    return rows

# ---------------------------------------------------------------------------------------------------------------
# (b) FLA's kernel in bf16 and fp32 vs the fp32 token loop, and the GDN layer under bf16 autocast vs the fp32 reference
# ---------------------------------------------------------------------------------------------------------------
FLA_OP_BOUNDS = {"bfloat16": 2e-2, "float32": 5e-3}   # relative L2; x2.5 for dbeta and dg (as nbs/10_gdn_ops's gpu cell)

def fla_op_errors(dev, dtype, B=2, T=1000, H=4, K=128, V=128) -> dict:
    "Relative L2 errors of FLA's chunk_gated_delta_rule on `dtype` inputs vs the fp32 token loop on the same rounded values"
    from reasoning_nb.ops.gdn import gated_delta_rule, gated_delta_rule_recurrent, gdn_fwd_bwd, gdn_inputs, rel_l2_err
    x = gdn_inputs(B, T, H, K, V, dtype=dtype, device=dev, initial_state=True, requires_grad=True, seed=8)
    xr = {n: t.detach().float().requires_grad_() for n, t in x.items()}
    o, S, gr = gdn_fwd_bwd(gated_delta_rule, x, backend="fla")
    ro, rS, rgr = gdn_fwd_bwd(gated_delta_rule_recurrent, xr)
    return {"o": rel_l2_err(o, ro), "final_state": rel_l2_err(S, rS), **{f"d{n}": rel_l2_err(gr[n], rgr[n]) for n in gr}}

def fla_op_check(a, dev) -> dict:
    "FLA's kernel in bf16 and fp32 against the fp32 loop, each error under its bound (a GPU-only check)"
    if dev.type != "cuda":
        return dict(status="skipped: needs CUDA (FLA's bf16 numerics are a GPU check; Triton's interpreter does not reproduce them)")
    import torch
    from reasoning_nb.ops.gdn import gdn_backend
    out = dict(backend=gdn_backend(dev), B=2, T=1000, H=4, K=128, V=128)
    for name, bound in FLA_OP_BOUNDS.items():
        out[name] = errs = fla_op_errors(dev, getattr(torch, name))
        over = {n: e for n, e in errs.items() if e >= bound * (2.5 if n in ("dbeta", "dg") else 1)}
        if over: out.setdefault("error", f"{name}: relative errors over the bound {bound:.0e}: {over}")
    out["status"] = "fail" if "error" in out else "pass"
    return out

# ---------------------------------------------------------------------------------------------------------------
# (b') GDN layer under bf16 autocast vs the fp32 reference
# ---------------------------------------------------------------------------------------------------------------
def gdn_layer_check(a, dev) -> dict:
    import torch
    torch.manual_seed(0)
    layer = build_gdn_layer(tiny=a.tiny).to(dev)
    ref = build_gdn_layer(tiny=a.tiny, backend="chunked").to(dev); ref.load_state_dict(layer.state_dict())
    B, T = (2, 37) if a.tiny else (8, 1024)
    x = torch.randn(B, T, layer.cfg.d_model, device=dev)
    def fwd_bwd(m, amp):
        xi = x.clone().requires_grad_()
        with amp: y = m(xi)
        (y.float() * dy).sum().backward()
        g = torch.cat([xi.grad.flatten(), *(p.grad.flatten() for p in m.parameters())])
        m.zero_grad(set_to_none=True)
        return y.float(), g
    dy = torch.randn(B, T, layer.cfg.d_model, device=dev)
    y_ref, g_ref = fwd_bwd(ref, nullcontext())                                  # fp32, chunked PyTorch form
    y16, g16 = fwd_bwd(layer, autocast(dev))
    y32, g32 = fwd_bwd(layer, nullcontext())
    return dict(backend=layer.backend(x), B=B, T=T, bf16_autocast_fwd_rel_err=rel_err(y16, y_ref),
                bf16_autocast_grad_rel_err=rel_err(g16, g_ref), fp32_fwd_rel_err=rel_err(y32, y_ref),
                fp32_grad_rel_err=rel_err(g32, g_ref))

# ---------------------------------------------------------------------------------------------------------------
# (c) LM training throughput, and the chunked LM loss against the reference
# ---------------------------------------------------------------------------------------------------------------
def lm_throughput(a, dev, variant: str, B: int, T: int) -> dict:
    import torch
    reset_mem(dev); torch.manual_seed(0)
    model = build_lm(variant, seq_len=T, tiny=a.tiny).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=dev.type == "cuda")
    x = torch.randint(0, model.cfg.vocab_size, (B, T + 1), device=dev)
    def step():
        with autocast(dev): loss = lm_loss(model, x[:, :-1], x[:, 1:])
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    dt = time_step(step, dev, warmup=a.warmup, steps=a.steps)
    tps, peak = B * T / dt, peak_tflops(dev, a.peak_tflops)
    row = dict(variant=variant, B=B, T=T, step_ms=dt * 1e3, tokens_per_s=tps, peak_mem_GiB=peak_mem_gib(dev),
               params_M=sum(p.numel() for p in model.parameters()) / 1e6,
               gdn_backend=next((b.mixer.backend(torch.empty(0, device=dev, dtype=torch.bfloat16 if dev.type == "cuda" else torch.float32))
                                 for b in model.backbone.blocks if b.kind == "gdn"), None))
    flops = lm_flops_per_token(model, T)
    row.update(tflops_per_s=flops * tps / 1e12, mfu=flops * tps / 1e12 / peak if peak else None)
    del model, opt
    return row

def lm_loss_check(a, dev) -> dict:
    "linear_cross_entropy vs the full-logits reference: accuracy (bf16 autocast), step time and peak memory"
    import torch
    from reasoning_nb.ops.lm_loss import linear_cross_entropy, linear_cross_entropy_ref
    N, V, D = (67, 101, 32) if a.tiny else (48 * 1024, 50304, 768)
    g = torch.Generator(device=dev).manual_seed(0)
    h0 = torch.randn(N, D, device=dev, generator=g)
    w0 = torch.randn(V, D, device=dev, generator=g) / D ** 0.5
    t = torch.randint(0, V, (N,), device=dev, generator=g)
    out = dict(N=N, V=V, D=D)
    for name, op, kw in [("chunked", linear_cross_entropy, dict(chunk_size=16 if a.tiny else 4096)),
                         ("reference", linear_cross_entropy_ref, {})]:
        h, w = h0.clone().requires_grad_(), w0.clone().requires_grad_()
        def step():
            h.grad = w.grad = None
            with autocast(dev): loss = op(h, w, t, **kw)
            loss.backward()
            return loss
        reset_mem(dev)
        out[f"{name}_ms"] = time_step(step, dev, warmup=1, steps=max(2, a.steps // 2)) * 1e3
        out[f"{name}_peak_mem_GiB"] = peak_mem_gib(dev)
        out[name] = (step().float(), h.grad.float(), w.grad.float())
        del h, w
    (l, dh, dw), (lr, dhr, dwr) = out.pop("chunked"), out.pop("reference")
    out.update(loss_rel_err=rel_err(l, lr), dh_rel_err=rel_err(dh, dhr), dw_rel_err=rel_err(dw, dwr))
    return out

# ---------------------------------------------------------------------------------------------------------------
# (d) TRM Sudoku MLP-t training step
# ---------------------------------------------------------------------------------------------------------------
def trm_step(a, dev) -> dict:
    import torch
    reset_mem(dev); torch.manual_seed(0)
    model = build_trm(tiny=a.tiny).to(dev).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=dev.type == "cuda")
    B, L = (4 if a.tiny else 768), 81
    g = torch.Generator().manual_seed(0)
    batch = {"inputs": torch.randint(1, 11, (B, L), generator=g).to(dev),
             "labels": torch.randint(1, 11, (B, L), generator=g).to(dev),
             "puzzle_ids": torch.randint(0, 8 if a.tiny else 1000, (B,), generator=g).to(dev)}
    state = {"carry": model.initial_carry(batch)}
    def step():
        with autocast(dev): state["carry"], loss = trm_step_loss(model, state["carry"], batch)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    dt = time_step(step, dev, warmup=a.warmup, steps=a.steps)
    return dict(B=B, step_s=dt, puzzles_per_s=B / dt, peak_mem_GiB=peak_mem_gib(dev),
                params_M=sum(p.numel() for p in model.parameters()) / 1e6)

# ---------------------------------------------------------------------------------------------------------------
# (e) frozen-LM pipelines: steering's generation overhead, Phase 1a batched against per-pair (issue 18 s5)
# ---------------------------------------------------------------------------------------------------------------
def steering_overhead(a, dev) -> dict:
    "Greedy tokens/s with and without the steering hook (bench/bench_steering.py; goal < 3 % slower, seed 001 asks < 10 %)"
    import bench_steering
    size = ["--model", "tiny", "--prompts", "2", "--new_tokens", "4"] if a.tiny else ["--model", a.frozen_lm, "--prompts", "10", "--new_tokens", "128"]
    return bench_steering.bench(bench_steering.parse([*size, "--device", str(dev), "--lm_dtype", "bfloat16" if dev.type == "cuda" else "float32"]))

def phase1a_batching(a, dev) -> dict:
    "Soft-prompt optimisation, all pairs x restarts in one batch against a per-pair loop (bench/bench_soft_prompt.py)"
    import bench_soft_prompt
    size = ["--model", "tiny", "--pairs", "2", "--restarts", "2", "--steps", "2"] if a.tiny else ["--model", a.frozen_lm, "--pairs", "32", "--restarts", "5", "--steps", "10"]
    return bench_soft_prompt.bench(bench_soft_prompt.parse([*size, "--device", str(dev), "--lm_dtype", "bfloat16" if dev.type == "cuda" else "float32"]))

# ---------------------------------------------------------------------------------------------------------------
def run_item(results: dict, key: str, fn, *args):
    "Run one item; record its result, or its error, under results[key] (a list when key ends in [])"
    t = time.perf_counter()
    try: r = fn(*args)
    except Exception as e:
        r = dict(error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc()[-3000:])
    if isinstance(r, dict): r["wall_s"] = time.perf_counter() - t
    if key.endswith("[]"): results.setdefault(key[:-2], []).append(r)
    else: results[key] = r
    print(f"  {key.rstrip('[]')}: {time.perf_counter() - t:.1f} s" + (f"  ERROR {r['error']}" if isinstance(r, dict) and "error" in r else ""), flush=True)

def errors(results: dict) -> list:
    rows = [(k, r) for k, v in results.items() if k != "meta" for r in (v if isinstance(v, list) else [v])]
    return [f"{k}: {r.get('notebook') or r.get('variant') or ''} {r['error']}" for k, r in rows if "error" in r]

def table(results: dict) -> str:
    f = lambda x, p=".3g": "-" if x is None else format(x, p)
    L = [f"device {results['meta']['device_name']}, torch {results['meta']['torch']}, fla {results['meta']['fla']}"]
    for r in results.get("notebooks", []):
        L.append(f"notebook {r['notebook']:<22} {r.get('status', 'fail'):<17} {f(r.get('seconds'), '.1f')} s")
    r = results.get("fla_op", {})
    L.append(f"fla op vs fp32 loop: {r.get('status')}" + "".join(
        f"  {d}: o {f(r[d].get('o'), '.1e')} dq {f(r[d].get('dq'), '.1e')} dg {f(r[d].get('dg'), '.1e')}" for d in FLA_OP_BOUNDS if d in r))
    r = results.get("gdn_layer", {})
    L.append(f"gdn layer ({r.get('backend')}) bf16 autocast vs fp32 ref: fwd {f(r.get('bf16_autocast_fwd_rel_err'), '.1e')}"
             f"  grad {f(r.get('bf16_autocast_grad_rel_err'), '.1e')}   fp32: fwd {f(r.get('fp32_fwd_rel_err'), '.1e')}")
    L.append(f"{'LM variant':<10} {'B':>3} {'T':>6} {'step ms':>9} {'tokens/s':>10} {'MFU':>6} {'peak GiB':>9}")
    for r in results.get("lm", []):
        L.append(f"{r.get('variant', '?'):<10} {f(r.get('B'), 'd'):>3} {f(r.get('T'), 'd'):>6} {f(r.get('step_ms'), '.1f'):>9} "
                 f"{f(r.get('tokens_per_s'), '.0f'):>10} {f(r.get('mfu'), '.1%'):>6} {f(r.get('peak_mem_GiB'), '.1f'):>9}")
    r = results.get("lm_loss", {})
    L.append(f"lm loss chunked vs reference: {f(r.get('chunked_ms'), '.1f')} vs {f(r.get('reference_ms'), '.1f')} ms, "
             f"peak {f(r.get('chunked_peak_mem_GiB'), '.1f')} vs {f(r.get('reference_peak_mem_GiB'), '.1f')} GiB, "
             f"rel err loss {f(r.get('loss_rel_err'), '.1e')} dh {f(r.get('dh_rel_err'), '.1e')} dw {f(r.get('dw_rel_err'), '.1e')}")
    r = results.get("trm", {})
    L.append(f"TRM Sudoku MLP-t B={r.get('B')}: step {f(r.get('step_s'), '.3f')} s, peak {f(r.get('peak_mem_GiB'), '.1f')} GiB")
    r = results.get("steering", {})
    L.append(f"steering ({r.get('model')}, {r.get('lm_dtype')}): {f(r.get('tokens_per_s_plain'), '.1f')} vs {f(r.get('tokens_per_s_steered'), '.1f')} "
             f"tokens/s plain vs steered, overhead {f(r.get('overhead_pct'), '.1f')} %")
    r = results.get("phase1a", {})
    L.append(f"phase 1a ({r.get('model')}, {r.get('lm_dtype')}): batched {f(r.get('batched_pairs_per_min'), '.1f')} vs per-pair "
             f"{f(r.get('loop_pairs_per_min'), '.1f')} pairs/min, x{f(r.get('speedup'), '.1f')}, max |c diff| {f(r.get('max_abs_c_diff'), '.1e')}")
    return "\n".join(L)

def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda", help="cuda (the GPU check) or cpu (with --tiny: CI)")
    ap.add_argument("--tiny", action="store_true", help="tiny sizes and a few steps: checks the script, measures nothing")
    ap.add_argument("--out", default=str(ROOT / "outputs" / "gpu_check.json"),
                    help="the results JSON (default outputs/gpu_check.json; a GPU run that papers cite passes its path)")
    ap.add_argument("--steps", type=int, default=None, help="timed steps per item (default 10; tiny 2)")
    ap.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 3; tiny 1)")
    ap.add_argument("--peak_tflops", type=float, default=None, help="override the device's dense bf16 peak for MFU")
    ap.add_argument("--nb_timeout", type=int, default=240, help="seconds per notebook script")
    ap.add_argument("--nb_dir", default=str(ROOT / "nbs"), help="where the notebooks with `#| gpu` cells are")
    ap.add_argument("--frozen_lm", default="smollm2", help="the steering and Phase-1a items' LM: smollm2 (the offline GGUF; needs "
                    "the gguf package, which the GPU image lacks: carry its wheel) or a local HF folder")
    ap.add_argument("--skip", default="", help="comma-separated items to skip: notebooks,fla_op,gdn_layer,lm,lm_loss,trm,steering,phase1a")
    a = ap.parse_args(argv)
    a.steps = a.steps or (2 if a.tiny else 10); a.warmup = a.warmup if a.warmup is not None else (1 if a.tiny else 3)
    return a

def main(argv=None) -> int:
    a = parse(argv)
    import torch
    dev = torch.device(a.device)
    if dev.type == "cuda" and not torch.cuda.is_available(): sys.exit("gpu_check: --device cuda but CUDA is unavailable")
    try: import fla; fla_v = getattr(fla, "__version__", "?")
    except ImportError: fla_v = None
    t0, skip = time.perf_counter(), set(a.skip.split(","))
    results = {"meta": dict(device=str(dev), tiny=a.tiny, torch=torch.__version__, fla=fla_v, steps=a.steps, warmup=a.warmup,
                            device_name=torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
                            peak_bf16_tflops=peak_tflops(dev, a.peak_tflops), started=time.strftime("%Y-%m-%d %H:%M:%S"))}
    if "notebooks" not in skip: run_item(results, "notebooks", run_notebooks, a, dev)
    if "fla_op" not in skip: run_item(results, "fla_op", fla_op_check, a, dev)
    if "gdn_layer" not in skip: run_item(results, "gdn_layer", gdn_layer_check, a, dev)
    if "lm" not in skip:
        exp8_B, long = (2, 32) if a.tiny else (48, 1024), ([(1, 64), (1, 128)] if a.tiny else [(4, 8192), (1, 32768)])
        for v in ("hybrid", "attention", "gdn"): run_item(results, "lm[]", lm_throughput, a, dev, v, *exp8_B)
        for B, T in long:
            for v in ("hybrid", "attention"): run_item(results, "lm[]", lm_throughput, a, dev, v, B, T)
    if "lm_loss" not in skip: run_item(results, "lm_loss", lm_loss_check, a, dev)
    if "trm" not in skip: run_item(results, "trm", trm_step, a, dev)
    if "steering" not in skip: run_item(results, "steering", steering_overhead, a, dev)
    if "phase1a" not in skip: run_item(results, "phase1a", phase1a_batching, a, dev)
    results["meta"]["wall_s"] = time.perf_counter() - t0
    results["errors"] = errors(results)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, indent=2))
    print(table(results))
    print(f"wrote {a.out} ({results['meta']['wall_s']:.0f} s)" + (f"; {len(results['errors'])} ERRORS:" if results["errors"] else ""))
    for e in results["errors"]: print("  " + e)
    return 1 if results["errors"] else 0

if __name__ == "__main__":
    sys.exit(main())
