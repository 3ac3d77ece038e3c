"""Time the gated delta rule ops side by side: the token loop (recurrent), our chunked PyTorch form, transformers'
plain-PyTorch `torch_chunk_gated_delta_rule` (the CPU path of its Qwen3-Next / Qwen3.5 models) and, on CUDA, FLA's kernel.

    python bench/bench_gdn_op.py --B 1 --T 1024 --H 6 --K 128 --V 256 --skip-recurrent --repeats 9
    python bench/bench_gdn_op.py --B 4 --T 2048 --H 4 --K 64 --V 128 --skip-recurrent --repeats 9

Each repeat runs every backend once, in turn (so a burst of load on a shared machine hits them all alike), after one
warm-up round; the table gives the median and the best over the repeats for the forward pass (no autograd) and for
forward+backward (through the output and the final state, with cotangents drawn once, outside the timing), and the
ratio of medians against transformers' op. The load average is printed before and after. On a loaded shared machine
wall time measures the neighbours too; `--clock cpu --threads 1` times this process's CPU time instead (one thread, so
no OpenMP spinning is counted), which the load barely moves. A benchmark, not a test.
"""
import argparse, json, os, statistics, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without `pip install -e .`
from reasoning_nb.ops.gdn import gated_delta_rule, gdn_backend, gdn_inputs

def transformers_op():
    "transformers' plain-PyTorch chunked op (its decorator would pick FLA when installed: take the function it wraps)"
    from transformers.models.qwen3_next.modeling_qwen3_next import torch_chunk_gated_delta_rule as f
    f = getattr(f, "__wrapped__", f)
    def op(q, k, v, g, beta, *, initial_state=None, output_final_state=False, chunk_size=64, **_):
        return f(q, k, v, g, beta, chunk_size=chunk_size, initial_state=initial_state, output_final_state=output_final_state)
    return op

def make_calls(op, fwd_in, bwd_in, **kw):
    "(forward, forward+backward) closures for `op`; the cotangents are drawn here, once"
    o, S = op(**bwd_in, output_final_state=True, **kw)
    gen = torch.Generator().manual_seed(0)
    do, dS = (torch.randn(x.shape, generator=gen).to(x) for x in (o, S))
    leaves = [x for x in bwd_in.values() if x.requires_grad]
    def fwd():
        with torch.no_grad(): op(**fwd_in, **kw)
    def fwd_bwd():
        o, S = op(**bwd_in, output_final_state=True, **kw)
        torch.autograd.grad((o.to(do.dtype) * do).sum() + (S * dS).sum(), leaves)
    return fwd, fwd_bwd

def side_by_side(calls: dict, repeats: int, device: torch.device, clock=time.perf_counter) -> dict:
    "{name: [seconds per repeat]} with every call run once per repeat, in turn, after one warm-up round"
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for f in calls.values(): f(); sync()
    times = {n: [] for n in calls}
    for _ in range(repeats):
        for n, f in calls.items():
            t0 = clock(); f(); sync()
            times[n].append(clock() - t0)
    return times

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--B", type=int, default=1)
    p.add_argument("--T", type=int, default=1024)
    p.add_argument("--H", type=int, default=6)
    p.add_argument("--K", type=int, default=128)
    p.add_argument("--V", type=int, default=256)
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64", "bfloat16", "float16"])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--chunk-size", type=int, default=64, help="our chunked form's chunk size (transformers' op always uses 64)")
    p.add_argument("--skip-recurrent", action="store_true", help="leave out the slow token loop")
    p.add_argument("--skip-transformers", action="store_true", help="leave out transformers' op")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"], help="wall time, or this process's CPU time (CPU only)")
    p.add_argument("--json", default=None, help="also write the times and ratios to this JSON file")
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    dev, dtype = torch.device(a.device), getattr(torch, a.dtype)
    load = lambda: os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    load0 = load()
    print(f"torch {torch.__version__}, device {dev}, threads {torch.get_num_threads()}, cores {os.cpu_count()}, "
          f"load avg {load0:.2f}, dtype {a.dtype}, B={a.B} T={a.T} H={a.H} K={a.K} V={a.V}, {a.repeats} repeats side by side, "
          f"{a.clock} clock, chunk size {a.chunk_size}")
    ops = {} if a.skip_recurrent else {"recurrent": lambda **kw: gated_delta_rule(**kw, backend="recurrent")}
    ops["chunked"] = lambda **kw: gated_delta_rule(**kw, backend="chunked", chunk_size=a.chunk_size)
    if not a.skip_transformers: ops["transformers"] = transformers_op()
    if dev.type == "cuda" and gdn_backend(dev) == "fla": ops["fla"] = lambda **kw: gated_delta_rule(**kw, backend="fla")
    fwd_in = gdn_inputs(a.B, a.T, a.H, a.K, a.V, dtype=dtype, device=dev)
    bwd_in = gdn_inputs(a.B, a.T, a.H, a.K, a.V, dtype=dtype, device=dev, initial_state=True, requires_grad=True)
    calls = {}
    for n, op in ops.items():
        calls[(n, "fwd")], calls[(n, "fwd+bwd")] = make_calls(op, fwd_in, bwd_in)
    if a.clock == "cpu" and dev.type != "cpu": p.error("--clock cpu times CPU work; use --clock wall on a GPU")
    times = side_by_side(calls, a.repeats, dev, time.process_time if a.clock == "cpu" else time.perf_counter)
    med = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    base = "transformers" if "transformers" in ops else None
    print(f"{'backend':<13} {'fwd ms (best)':>16} {'fwd+bwd ms (best)':>20} {'fwd vs tf':>10} {'fwd+bwd vs tf':>14}")
    rows = {}
    for n in ops:
        f, fb = med[(n, "fwd")], med[(n, "fwd+bwd")]
        rows[n] = dict(fwd_ms=f, fwd_bwd_ms=fb, fwd_best_ms=1e3 * min(times[(n, "fwd")]), fwd_bwd_best_ms=1e3 * min(times[(n, "fwd+bwd")]))
        sp = (f"{med[(base, 'fwd')] / f:>9.2f}x {med[(base, 'fwd+bwd')] / fb:>13.2f}x" if base else f"{'-':>10} {'-':>14}")
        print(f"{n:<13} {f:>8.1f} ({rows[n]['fwd_best_ms']:>5.1f}) {fb:>11.1f} ({rows[n]['fwd_bwd_best_ms']:>6.1f}) {sp}")
    load1 = load()
    print(f"medians of {a.repeats}; load avg {load0:.2f} before, {load1:.2f} after")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(dict(args=vars(a), torch=torch.__version__, threads=torch.get_num_threads(),
                                                load_before=load0, load_after=load1, rows=rows), indent=1))
    return rows

if __name__ == "__main__":
    main()
