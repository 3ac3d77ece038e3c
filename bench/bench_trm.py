"""Training throughput of a puzzle model (TRM / HRM / transformer): step time, puzzles/s and tokens/s.

A benchmark script, not a test. One "step" is one optimizer step = one supervision step of every slot
(forward through H_cycles x (L_cycles + 1) network calls, loss, backward, AdamW). puzzles/s counts slots per
second (supervision steps of a puzzle; a puzzle uses up to halt_max_steps of them); tokens/s counts positions
(cells + puzzle prefix). Data are random tokens, so only speed is measured.

    python bench/bench_trm.py --device cuda                          # the published Sudoku MLP setting, B=768
    python bench/bench_trm.py --batch_size 8 --steps 3 --warmup 1    # the same model, CPU-sized batch
    python bench/bench_trm.py --model transformer --arch attention --batch_size 16
"""
import argparse, json, time
from contextlib import nullcontext


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="trm", choices=["trm", "hrm", "transformer"])
    ap.add_argument("--arch", default="mlp", choices=["attention", "mlp"])
    ap.add_argument("--d_model", type=int, default=512)
    ap.add_argument("--n_layers", type=int, default=2)
    ap.add_argument("--n_heads", type=int, default=8)
    ap.add_argument("--H_cycles", type=int, default=3)
    ap.add_argument("--L_cycles", type=int, default=6)
    ap.add_argument("--halt_max_steps", type=int, default=16)
    ap.add_argument("--seq_len", type=int, default=81, help="cells per puzzle (Sudoku 81, maze 900, ARC 900)")
    ap.add_argument("--vocab_size", type=int, default=11)
    ap.add_argument("--puzzle_emb_len", type=int, default=0)
    ap.add_argument("--batch_size", type=int, default=768)
    ap.add_argument("--steps", type=int, default=10, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--dtype", default="auto", help="autocast dtype: auto (bf16 on CUDA), float32, bfloat16")
    ap.add_argument("--json", action="store_true", help="print the result as JSON only")
    return ap.parse_args(argv)


def bench(a) -> dict:
    import torch
    from reasoning_nb.models.act import act_loss
    from reasoning_nb.models.puzzle import PuzzleModel, count_params
    from reasoning_nb.train_puzzles import PuzzleParams
    from reasoning_nb.torch_utils import pick_device, pick_dtype
    dev = pick_device(a.device); dtype = pick_dtype(a.dtype, dev)
    settings = PuzzleParams.from_flat({"mode": a.model, **{k: getattr(a, k) for k in ("arch", "d_model", "n_layers", "n_heads", "H_cycles",
                                                                                     "L_cycles", "halt_max_steps", "puzzle_emb_len")}})
    cfg = settings.model_config(vocab_size=a.vocab_size, seq_len=a.seq_len, n_puzzles=2)
    torch.manual_seed(0)
    model = PuzzleModel(cfg).to(dev).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(0)
    batch = {"inputs": torch.randint(1, a.vocab_size, (a.batch_size, a.seq_len), generator=g).to(dev),
             "labels": torch.randint(1, a.vocab_size, (a.batch_size, a.seq_len), generator=g).to(dev),
             "puzzle_ids": torch.ones(a.batch_size, dtype=torch.long, device=dev)}
    carry = model.initial_carry(batch)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    amp = torch.autocast(dev.type, dtype=dtype) if dtype != torch.float32 else nullcontext()

    def step(carry):
        with amp: carry, out = model(carry, batch)
        loss, _ = act_loss(out, carry.data["labels"], cfg=model.act_cfg)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return carry

    for _ in range(a.warmup): carry = step(carry)
    sync(); t = time.perf_counter()
    for _ in range(a.steps): carry = step(carry)
    sync(); dt = (time.perf_counter() - t) / a.steps
    L = a.seq_len + a.puzzle_emb_len
    return {"model": a.model, "arch": a.arch, "d_model": a.d_model, "n_layers": a.n_layers, "H_cycles": a.H_cycles,
            "L_cycles": a.L_cycles, "batch_size": a.batch_size, "seq_len": L, "params_M": count_params(model) / 1e6,
            "device": str(dev), "dtype": str(dtype).replace("torch.", ""), "step_ms": dt * 1e3,
            "puzzles_per_s": a.batch_size / dt, "tokens_per_s": a.batch_size * L / dt}


def main(argv=None):
    a = parse(argv)
    r = bench(a)
    if a.json: print(json.dumps(r)); return r
    print(f"{r['model']} / {r['arch']}: {r['params_M']:.2f}M params, d={r['d_model']}, {r['n_layers']} layers, "
          f"H={r['H_cycles']} L={r['L_cycles']}, batch {r['batch_size']} x {r['seq_len']} tokens on {r['device']} ({r['dtype']})")
    print(f"  step {r['step_ms']:.1f} ms   {r['puzzles_per_s']:.1f} puzzles/s   {r['tokens_per_s']:.0f} tokens/s")
    return r


if __name__ == "__main__":
    main()
