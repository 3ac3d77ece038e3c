"""Training throughput of a puzzle model (TRM / HRM / transformer): step time, puzzles/s and tokens/s, and the same
step of the official TRM code in the same run.

A benchmark script, not a test. One "step" is one optimizer step of the engine (`engine.train_step` on a
`PuzzleTask`): one supervision step of every slot (forward through H_cycles x (L_cycles + 1) network calls), loss,
backward, AdamW and the puzzle embedding's sign-SGD. puzzles/s counts slots per second; tokens/s counts positions
(cells + puzzle prefix). Data are random tokens, so only speed is measured.

With `--official DIR` (a checkout of github.com/SamsungSAILMontreal/TinyRecursiveModels; it is imported, not
copied into this project) the official model is built with the same config and trained the way its `pretrain.py`
does (ACTLossHead, backward, sign-SGD on the sparse puzzle embedding, AdamW in place of AdamATan2), on the same
batches. `--compile` adds both models under `torch.compile` (the official code compiles its loss head, ours the
engine's `compile=True`). Variants run interleaved, `--repeats` rounds of `--steps` timed steps each, after
`--warmup` steps; the report gives the median over rounds of the CPU time (process_time) and of the wall time per
step, and the official / ours ratio of each (> 1: ours is faster).

    python bench/bench_trm.py --device cuda                          # the published Sudoku MLP setting, B=768
    git -C MIRROR archive HEAD | tar -x -C /tmp/trm_official          # a copy of the official code, then:
    OMP_NUM_THREADS=1 python bench/bench_trm.py --arch attention --d_model 128 --batch_size 16 --puzzle_emb_len 16 \\
        --official /tmp/trm_official --compile --threads 1 --repeats 5 --steps 4 --warmup 3
"""
import argparse, json, statistics, sys, tempfile, time, types
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
    ap.add_argument("--n_puzzles", type=int, default=1000, help="rows of the puzzle-embedding table (random ids in the batches)")
    ap.add_argument("--loss_type", default="stablemax", choices=["stablemax", "softmax"],
                    help="token loss (the official loss head runs only stablemax: its softmax path takes no valid_mask)")
    ap.add_argument("--batch_size", type=int, default=768)
    ap.add_argument("--steps", type=int, default=10, help="timed steps per round")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first (compilation happens here)")
    ap.add_argument("--repeats", type=int, default=1, help="interleaved rounds of every variant")
    ap.add_argument("--official", default=None, help="a checkout of the official TRM code: time its step beside ours")
    ap.add_argument("--compile", action="store_true", help="also time both under torch.compile (inductor)")
    ap.add_argument("--no_eager", action="store_true", help="only the compiled variants")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--dtype", default="auto", help="autocast dtype: auto (bf16 on CUDA), float32, bfloat16")
    ap.add_argument("--json", action="store_true", help="print the result as JSON only")
    ap.add_argument("--save", default=None, help="also write STEM.json and STEM.png (CPU ms per step of every variant)")
    return ap.parse_args(argv)


def random_set(a, n_rows: int = 4096):
    "A PuzzleSet of random tokens and puzzle ids (speed only)"
    import numpy as np
    from reasoning_nb.puzzles.base import PuzzleSet
    r = np.random.default_rng(0)
    tok = lambda: r.integers(1, a.vocab_size, (n_rows, a.seq_len))
    return PuzzleSet(inputs=tok(), labels=tok(), puzzle_ids=r.integers(1, a.n_puzzles, n_rows), ratings=np.zeros(n_rows),
                     vocab_size=a.vocab_size, seq_len=a.seq_len)


def ours(a, ds, compile: bool):
    "Our step: the engine's train_step on a PuzzleTask -> (step(), run)"
    from reasoning_nb.engine import setup, train_step
    from reasoning_nb.train_puzzles import PuzzleParams
    flat = {k: getattr(a, k) for k in ("arch", "d_model", "n_layers", "n_heads", "H_cycles", "L_cycles", "halt_max_steps",
                                       "puzzle_emb_len", "batch_size", "device", "dtype", "loss_type")}
    p = PuzzleParams.from_flat(flat | {"mode": a.model, "compile": compile, "grad_clip": 0.0, "warmup_steps": 1})
    run = setup(p.make_task(ds, ds), p.engine, tempfile.mkdtemp())
    return (lambda: train_step(run)), run


def load_official(path: str):
    "Import the official TRM modules from a checkout (einops' two rearranges of its attention done by transpose)"
    if "einops" not in sys.modules:
        try: import einops  # noqa: F401
        except ImportError:
            sys.modules["einops"] = types.SimpleNamespace(rearrange=lambda t, pattern: t.transpose(1, 2))   # 'B S H D <-> B H S D'
    sys.path.insert(0, path)
    from models.recursive_reasoning.trm import TinyRecursiveReasoningModel_ACTV1
    from models.losses import ACTLossHead
    from models.sparse_embedding import CastedSparseEmbeddingSignSGD_Distributed
    return TinyRecursiveReasoningModel_ACTV1, ACTLossHead, CastedSparseEmbeddingSignSGD_Distributed


def official(a, run, compile: bool):
    "The official model and loss head with our config, trained as its pretrain.py trains -> (step(), loss head)"
    import torch
    from reasoning_nb.torch_utils import pick_dtype
    if a.model != "trm": raise SystemExit("--official compares the TRM model only (--model trm)")
    Model, LossHead, SignSGD = load_official(a.official)
    c = run.task.cfg
    cfg = dict(batch_size=a.batch_size, seq_len=a.seq_len, puzzle_emb_ndim=a.d_model if a.puzzle_emb_len else 0,
               num_puzzle_identifiers=c.n_puzzles, vocab_size=a.vocab_size, H_cycles=a.H_cycles, L_cycles=a.L_cycles,
               H_layers=0, L_layers=a.n_layers, hidden_size=a.d_model, expansion=c.net.expansion, num_heads=a.n_heads,
               pos_encodings="rope", halt_max_steps=a.halt_max_steps, halt_exploration_prob=c.act.halt_exploration_prob,
               forward_dtype=str(pick_dtype(a.dtype, run.device)).replace("torch.", ""), mlp_t=a.arch == "mlp", puzzle_emb_len=a.puzzle_emb_len, no_ACT_continue=True)
    torch.manual_seed(0)
    head = LossHead(Model(cfg), loss_type=f"{a.loss_type}_cross_entropy").to(run.device).train()
    net = torch.compile(head) if compile else head
    opts = [torch.optim.AdamW(head.parameters(), lr=1e-4, betas=(0.9, 0.95))]
    if a.puzzle_emb_len: opts.insert(0, SignSGD(head.model.puzzle_emb.buffers(), lr=1e-2, weight_decay=0.1, world_size=1))
    state = {"carry": None, "step": 0}

    def step():
        b = run.task.batch(state["step"], 0, 1); state["step"] += 1
        batch = {"inputs": b["inputs"], "labels": b["labels"], "puzzle_identifiers": b["puzzle_ids"]}
        if state["carry"] is None: state["carry"] = head.initial_carry(batch)
        state["carry"], loss, metrics, _, _ = net(carry=state["carry"], batch=batch, return_keys=[])
        ((1 / a.batch_size) * loss).backward()
        for o in opts: o.step(); o.zero_grad()
        return metrics
    return step, head


def bench(a) -> dict:
    import torch
    from reasoning_nb.models.puzzle import count_params
    from reasoning_nb.torch_utils import pick_dtype
    if a.threads: torch.set_num_threads(a.threads)
    ds = random_set(a)
    variants, info = {}, {}
    for comp in ([False] if not a.compile else [True] if a.no_eager else [False, True]):
        tag = "compiled" if comp else "eager"
        variants[f"ours_{tag}"], run = ours(a, ds, comp)
        info["params"] = count_params(run.model) - (run.task.cfg.n_puzzles * a.d_model if a.puzzle_emb_len else 0)
        if a.official:
            variants[f"official_{tag}"], head = official(a, run, comp)
            info["official_params"] = count_params(head)
    dev = run.device
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    warm, warm_cpu = {}, {}
    for name, step in variants.items():                       # warm-up (and compilation) of every variant first
        t, c = time.perf_counter(), time.process_time()
        for _ in range(a.warmup): step()
        sync(); warm[name], warm_cpu[name] = time.perf_counter() - t, time.process_time() - c   # (compile workers not counted)
    cpu, wall = {n: [] for n in variants}, {n: [] for n in variants}
    for r in range(a.repeats):
        for name in (variants if r % 2 == 0 else reversed(list(variants))):   # interleaved, order alternating
            step = variants[name]
            sync(); t, c = time.perf_counter(), time.process_time()
            for _ in range(a.steps): step()
            sync()
            wall[name].append((time.perf_counter() - t) / a.steps); cpu[name].append((time.process_time() - c) / a.steps)
    med = lambda xs: statistics.median(xs)
    L = a.seq_len + a.puzzle_emb_len
    res = {"model": a.model, "arch": a.arch, "d_model": a.d_model, "n_layers": a.n_layers, "H_cycles": a.H_cycles,
           "L_cycles": a.L_cycles, "batch_size": a.batch_size, "seq_len": L, "params_M": info["params"] / 1e6,
           "official_params_M": info.get("official_params", 0) / 1e6 or None, "device": str(dev),
           "dtype": str(pick_dtype(a.dtype, dev)).replace("torch.", ""),
           "threads": torch.get_num_threads(), "repeats": a.repeats, "steps": a.steps, "warmup_s": warm, "warmup_cpu_s": warm_cpu,
           "step_ms": {n: 1e3 * med(v) for n, v in wall.items()}, "cpu_ms": {n: 1e3 * med(v) for n, v in cpu.items()},
           "cpu_ms_rounds": {n: [round(1e3 * x, 2) for x in v] for n, v in cpu.items()}}
    ours0 = res["step_ms"].get("ours_eager", res["step_ms"].get("ours_compiled"))
    res["puzzles_per_s"], res["tokens_per_s"] = a.batch_size / ours0 * 1e3, a.batch_size * L / ours0 * 1e3
    if a.official:
        res["ratio_cpu"] = {t: res["cpu_ms"][f"official_{t}"] / res["cpu_ms"][f"ours_{t}"] for t in ("eager", "compiled")
                            if f"ours_{t}" in res["cpu_ms"]}
        res["ratio_wall"] = {t: res["step_ms"][f"official_{t}"] / res["step_ms"][f"ours_{t}"] for t in ("eager", "compiled")
                             if f"ours_{t}" in res["step_ms"]}
    return res


def save(r: dict, stem: str):
    "The result as STEM.json and a bar plot of the median CPU time per step as STEM.png"
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pathlib import Path
    Path(stem).parent.mkdir(parents=True, exist_ok=True)
    Path(stem + ".json").write_text(json.dumps(r, indent=1))
    names = list(r["cpu_ms"])
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(names, [r["cpu_ms"][n] for n in names], color=["C0" if n.startswith("ours") else "C1" for n in names])
    for i, n in enumerate(names): ax.scatter([i] * len(r["cpu_ms_rounds"][n]), r["cpu_ms_rounds"][n], color="k", s=8, zorder=3)
    ax.set_ylabel("CPU ms per step (median of rounds)")
    ax.set_title(f"{r['model']} {r['arch']} d{r['d_model']} H{r['H_cycles']}L{r['L_cycles']} B{r['batch_size']} x {r['seq_len']}, "
                 f"{r['threads']} thread", fontsize=9)
    fig.tight_layout(); fig.savefig(stem + ".png", dpi=100); plt.close(fig)


def main(argv=None):
    a = parse(argv)
    r = bench(a)
    if a.save: save(r, a.save)
    if a.json: print(json.dumps(r)); return r
    off = f" (official {r['official_params_M']:.6f}M)" if r["official_params_M"] else ""
    print(f"{r['model']} / {r['arch']}: {r['params_M']:.6f}M params{off}, d={r['d_model']}, "
          f"{r['n_layers']} layers, H={r['H_cycles']} L={r['L_cycles']}, batch {r['batch_size']} x {r['seq_len']} tokens on "
          f"{r['device']} ({r['dtype']}, {r['threads']} threads), median of {r['repeats']} rounds x {r['steps']} steps")
    for n in r["step_ms"]:
        print(f"  {n:18s} cpu {r['cpu_ms'][n]:8.1f} ms   wall {r['step_ms'][n]:8.1f} ms   warm-up {r['warmup_s'][n]:6.1f} s")
    for k in ("ratio_cpu", "ratio_wall"):
        if k in r: print(f"  official / ours ({k[6:]}): " + ", ".join(f"{t} {v:.2f}x" for t, v in r[k].items()))
    return r


if __name__ == "__main__":
    main()
