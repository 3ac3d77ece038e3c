"""Soft-prompt optimisation throughput: all pairs x restarts in one batch against a per-pair loop, at the same steps.

A benchmark script, not a test. Both sides optimise the joint question-answer problem of every (pair, restart) for
exactly `--steps` AdamW steps (early stopping off, so they do the same work) from the same starts, and the script
checks that they end at the same c. "pairs/min" counts pairs (with all their restarts) finished per minute.

    python bench/bench_soft_prompt.py                                   # tiny random Qwen3, 16 arithmetic pairs
    python bench/bench_soft_prompt.py --model smollm2 --pairs 4 --restarts 2 --steps 3
    python bench/bench_soft_prompt.py --model smollm2 --pairs 100 --restarts 5 --steps 20 --device cuda --lm_dtype bfloat16
"""
import argparse, json, tempfile, time


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="tiny", help="'tiny' (random Qwen3, width 64), 'smollm2', a hub name or a folder")
    ap.add_argument("--source", default="arithmetic", help="pairs: 'arithmetic', 'sudoku', a .jsonl or a SQuAD .json")
    ap.add_argument("--pairs", type=int, default=16)
    ap.add_argument("--restarts", type=int, default=5)
    ap.add_argument("--K", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20, help="AdamW steps per problem, both sides")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--lm_dtype", default="float32", help="the LM's weights: float32, bfloat16, float16 or auto")
    ap.add_argument("--gradient_checkpointing", action="store_true", help="recompute the LM's activations in the backward")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--json", action="store_true", help="print the result as JSON only")
    return ap.parse_args(argv)


def bench(a) -> dict:
    import torch
    from reasoning_nb.models import soft_prompt as sp
    from reasoning_nb.frozen_lm import load_lm, tiny_lm, token_embeddings
    from reasoning_nb.pairs import load_pairs
    from reasoning_nb.phase1a import Phase1aParams
    from reasoning_nb.torch_utils import pick_device
    torch.set_num_threads(a.threads)
    dev = pick_device(a.device)
    path = a.model if a.model != "tiny" else str(tiny_lm(tempfile.mkdtemp() + "/tiny", init_std=0.3))
    lm, tok = load_lm(path, device=dev, dtype=a.lm_dtype, checkpointing=a.gradient_checkpointing)
    pairs = load_pairs(a.source, n=a.pairs)
    cfg = sp.SoftPromptConfig(K=a.K, restarts=a.restarts, stop_loss=0.0, stop_pair=False)
    optim = Phase1aParams().engine.optim                                      # the pipeline's AdamW settings
    modes = sp.mode_vectors(lm, tok, cfg.mode_words).to(dev)
    problems = [tg for p in pairs for _ in range(a.restarts)
                for _, tg in sp.stage_problems(sp.encode_pair(tok, p, a.K, None), "joint")]
    rows = sp.make_rows(problems, tok.pad_token_id or 0)
    E = token_embeddings(lm)
    starts = sp.init_contents([f"bench:{i}" for i in range(len(problems))], a.K, E.shape[1], E.float().std().item(), 0)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    sync(); t = time.perf_counter()
    st = sp.optimise(lm, starts, modes, rows, list(range(len(problems))), cfg, optim, a.steps, progress=False)
    sync(); t_batch = time.perf_counter() - t
    t = time.perf_counter()
    loop = sp.per_problem_loop(lm, starts, modes, rows, cfg, optim, a.steps)
    sync(); t_loop = time.perf_counter() - t
    diff = max((c.detach() - r).abs().max().item() for c, r in zip(st.c, loop))
    tokens = int(rows.mask.sum()) + len(rows.mask) * (a.K + 1)
    return {"model": a.model, "source": a.source, "pairs": len(pairs), "restarts": a.restarts, "K": a.K, "steps": a.steps,
            "rows": len(problems) * 2, "tokens_per_step": tokens, "device": str(dev), "lm_dtype": a.lm_dtype, "threads": a.threads,
            "batched_s": t_batch, "loop_s": t_loop, "batched_pairs_per_min": len(pairs) / t_batch * 60,
            "loop_pairs_per_min": len(pairs) / t_loop * 60, "speedup": t_loop / t_batch, "max_abs_c_diff": diff}


def main(argv=None):
    a = parse(argv)
    r = bench(a)
    if a.json: print(json.dumps(r)); return r
    print(f"{r['model']} on {r['device']} ({r['threads']} thread(s)): {r['pairs']} {r['source']} pairs x {r['restarts']} restarts, "
          f"K={r['K']}, {r['steps']} steps, joint Q+A ({r['rows']} rows, {r['tokens_per_step']} positions per step)")
    print(f"  batched  {r['batched_s']:8.1f} s   {r['batched_pairs_per_min']:8.1f} pairs/min")
    print(f"  per-pair {r['loop_s']:8.1f} s   {r['loop_pairs_per_min']:8.1f} pairs/min")
    print(f"  speedup  {r['speedup']:.1f}x   (max |c_batched - c_loop| = {r['max_abs_c_diff']:.1e})")
    return r


if __name__ == "__main__":
    main()
