"""Training throughput and peak memory of the hybrid LM against all-attention and all-GDN stacks of the same size.

A benchmark script, not a test: it prints a table (and JSON with --json). Each variant runs in its own subprocess
so that peak memory (CUDA: max allocated; CPU: peak RSS growth) is its own.

    python bench/bench_exp8.py                                   # CPU-sized default
    python bench/bench_exp8.py --preset exp8 --device cuda       # exp8: width 768, 12 layers, B=48, T=1024, bf16
"""
import argparse, json, os, resource, subprocess, sys, time

def one(a) -> dict:
    import torch
    from reasoning_nb.models.hybrid import HybridLM, HybridLMConfig, exp8_config
    from reasoning_nb.torch_utils import pick_device, pick_dtype
    dev = pick_device(a.device); dtype = pick_dtype(a.dtype, dev)
    layers = {"hybrid": a.attention_layers, "attention": list(range(a.n_layers)), "gdn": []}[a.variant]
    kw = dict(vocab_size=a.vocab_size, d_model=a.d_model, n_layers=a.n_layers, attention_layers=layers,
              attn_heads=a.attn_heads, gdn_heads=a.gdn_heads, gdn_head_dim=a.gdn_head_dim, max_seq_len=a.seq_len)
    cfg = exp8_config(**{**kw, "max_seq_len": max(1024, a.seq_len)}) if a.preset == "exp8" else HybridLMConfig(**kw)
    torch.manual_seed(0)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    model = HybridLM(cfg).to(dev)
    net = torch.compile(model) if a.compile else model
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=dev.type == "cuda")
    x = torch.randint(0, cfg.vocab_size, (a.batch_size, a.seq_len), device=dev)
    sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
    if dev.type == "cuda": torch.cuda.reset_peak_memory_stats()
    def step():
        with torch.autocast(dev.type, dtype=dtype, enabled=dtype != torch.float32):
            loss = net(x, x)
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    for _ in range(a.warmup): step()
    sync(); t = time.perf_counter()
    for _ in range(a.steps): step()
    sync(); dt = (time.perf_counter() - t) / a.steps
    peak = (torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda"
            else (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024)
    backend = next((b.mixer.backend(torch.empty(0, device=dev, dtype=dtype)) for b in model.backbone.blocks if b.kind == "gdn"), "-")
    return dict(variant=a.variant, params_M=model.num_params() / 1e6, step_ms=dt * 1e3,
                tokens_per_s=a.batch_size * a.seq_len / dt, peak_mem_MiB=peak, gdn_backend=backend,
                device=str(dev), dtype=str(dtype).replace("torch.", ""))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="cpu", choices=["cpu", "exp8"])
    ap.add_argument("--d_model", type=int, default=256); ap.add_argument("--n_layers", type=int, default=4)
    ap.add_argument("--attention_layers", type=lambda s: [int(i) for i in s.split(",") if i], default=[1, 3])
    ap.add_argument("--attn_heads", type=int, default=4); ap.add_argument("--gdn_heads", type=int, default=4)
    ap.add_argument("--gdn_head_dim", type=int, default=64); ap.add_argument("--vocab_size", type=int, default=4096)
    ap.add_argument("--seq_len", type=int, default=256); ap.add_argument("--batch_size", type=int, default=8)
    ap.add_argument("--steps", type=int, default=5); ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", default="auto"); ap.add_argument("--dtype", default="auto")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--variants", default="hybrid,attention,gdn")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--variant", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.preset == "exp8":
        a.d_model, a.n_layers, a.attention_layers, a.attn_heads, a.gdn_heads, a.gdn_head_dim = 768, 12, [5, 11], 12, 6, 128
        a.vocab_size, a.seq_len = 50304, 1024
        if "--batch_size" not in sys.argv: a.batch_size = 48
    if a.variant:
        print(json.dumps(one(a))); return
    import torch
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, preset {a.preset}: d_model {a.d_model}, "
          f"{a.n_layers} layers, attention at {a.attention_layers}, B={a.batch_size}, T={a.seq_len}, vocab {a.vocab_size}")
    rows = []
    for v in a.variants.split(","):
        r = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--variant", v], capture_output=True, text=True)
        if r.returncode != 0: print(f"{v}: failed\n{r.stderr[-2000:]}"); continue
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
    print(f"{'variant':<10} {'params':>8} {'step ms':>9} {'tokens/s':>10} {'peak MiB':>9}  backend / device / dtype")
    for r in rows:
        print(f"{r['variant']:<10} {r['params_M']:>7.1f}M {r['step_ms']:>9.1f} {r['tokens_per_s']:>10.0f} "
              f"{r['peak_mem_MiB']:>9.0f}  {r['gdn_backend']} / {r['device']} / {r['dtype']}")
    if a.json:
        with open(a.json, "w") as f: json.dump(rows, f, indent=2)

if __name__ == "__main__": main()
