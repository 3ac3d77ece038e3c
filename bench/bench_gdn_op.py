"""Time the gated delta rule ops: the token loop (recurrent), the chunked PyTorch form and, on CUDA, FLA's kernel.

    python bench/bench_gdn_op.py --B 1 --T 1024 --H 6 --K 128 --V 256 --device cpu --dtype float32 --repeats 5

Reports the best of `--repeats` timed runs (after one warm-up) for the forward pass (no autograd) and for
forward+backward (through the output and the final state). This is a benchmark, not a test.
"""
import argparse, os, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without `pip install -e .`
from reasoning_nb.ops.gdn import gated_delta_rule, gdn_backend, gdn_fwd_bwd, gdn_inputs

def best_ms(fn, repeats: int, device: torch.device) -> float:
    "Best wall time of `fn()` in ms over `repeats` runs, after one warm-up run"
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    fn(); sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); sync()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--B", type=int, default=1)
    p.add_argument("--T", type=int, default=1024)
    p.add_argument("--H", type=int, default=6)
    p.add_argument("--K", type=int, default=128)
    p.add_argument("--V", type=int, default=256)
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64", "bfloat16", "float16"])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--recurrent-repeats", type=int, default=None, help="repeats for the slow loop (default: --repeats)")
    p.add_argument("--chunk-size", type=int, default=64)
    p.add_argument("--skip-recurrent", action="store_true", help="time only the fast backends")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    dev, dtype = torch.device(a.device), getattr(torch, a.dtype)
    load = f", load avg {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"torch {torch.__version__}, device {dev}, threads {torch.get_num_threads()}{load}, dtype {a.dtype}, "
          f"B={a.B} T={a.T} H={a.H} K={a.K} V={a.V} chunk_size={a.chunk_size}, best of {a.repeats}")
    backends = ([] if a.skip_recurrent else ["recurrent"]) + ["chunked"]
    if dev.type == "cuda" and gdn_backend(dev) == "fla": backends.append("fla")
    fwd_in = gdn_inputs(a.B, a.T, a.H, a.K, a.V, dtype=dtype, device=dev)
    bwd_in = gdn_inputs(a.B, a.T, a.H, a.K, a.V, dtype=dtype, device=dev, initial_state=True, requires_grad=True)
    rows = {}
    for b in backends:
        kw = dict(backend=b, chunk_size=a.chunk_size)
        n = a.recurrent_repeats or a.repeats if b == "recurrent" else a.repeats
        def fwd():
            with torch.no_grad(): gated_delta_rule(**fwd_in, **kw)
        rows[b] = (best_ms(fwd, n, dev), best_ms(lambda: gdn_fwd_bwd(gated_delta_rule, bwd_in, **kw), n, dev))
    base = rows.get("recurrent")
    print(f"{'backend':<10} {'fwd ms':>10} {'fwd+bwd ms':>12} {'fwd speedup':>12} {'fwd+bwd speedup':>16}")
    for b, (f, fb) in rows.items():
        sp = f"{base[0] / f:>11.1f}x {base[1] / fb:>15.1f}x" if base else f"{'-':>12} {'-':>16}"
        print(f"{b:<10} {f:>10.1f} {fb:>12.1f} {sp}")
    return rows

if __name__ == "__main__":
    main()
