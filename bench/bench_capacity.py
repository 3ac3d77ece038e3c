"""Phase 1a in the compression regime, on the frozen SmolLM2-135M: how many target tokens K trained vectors hold.

A benchmark script (CPU, one thread), four studies, each writing `<out>/<study>.json` and a plot beside it:

- `capacity`: the longest prefix of a text (SQuAD contexts, generated word problems, random tokens) that greedy
  decoding reproduces exactly from `[mode, c]` with K = 1, 2, 4, 8 trained vectors, lengths searched coarsely
  (8, 16, 32, 64; a length is tried only when the shorter one was exact); teacher-forced and greedy accuracy
  of every run side by side.
- `schedule`: all-at-once against the progressive schedule (`SoftPromptConfig.curriculum`), same steps, same starts,
  on targets longer than the K in question can hold all at once.
- `joint`: joint question-answer optimisation of SQuAD pairs at K well below the pair's token count: convergence
  (the design's rule), greedy exact match, and restarts needed (every restart runs until it reaches the stop loss).
- `order`: the same joint problems with the prompt `[c, mode]` instead of seed 004's `[mode, c]` (the `[mode, c]`
  side is the joint study's run at that K when it ran in the same call).

    OMP_NUM_THREADS=1 python bench/bench_capacity.py capacity schedule joint order --out papers/figures/phase1a_capacity
    OMP_NUM_THREADS=1 python bench/bench_capacity.py capacity --model tiny --texts 1 --lengths 8 16 --steps 20   # smoke

Optimiser: AdamW lr 1e-2 (as Kuratov et al. 2025), betas (0.9, 0.9), weight decay 0.01 (the pipeline's); stop loss
0.05 nats/token for the joint study (the pipeline's); the capacity and schedule studies also
retire a row as soon as teacher forcing reproduces its whole target (`stop_exact`). CPU-seconds (`time.process_time`) are reported per study.
"""
import argparse, json, time
from pathlib import Path

KINDS = ("squad", "word", "random")
SQUAD = Path("/work/shared/data/squad2_dev/cs224n_dev-v2.0.json")


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("studies", nargs="+", choices=["capacity", "schedule", "joint", "order", "report"],
                    help="studies to run; 'report' prints the markdown tables of the JSON files already in --out")
    ap.add_argument("--model", default="smollm2", help="'smollm2' (offline GGUF) or 'tiny' (random Qwen3, smoke test)")
    ap.add_argument("--out", default="outputs/phase1a_capacity", help="folder for the JSON and the plots")
    ap.add_argument("--K", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--lengths", type=int, nargs="+", default=[8, 16, 32, 64])
    ap.add_argument("--texts", type=int, default=1, help="texts per kind (capacity)")
    ap.add_argument("--steps", type=int, default=100, help="AdamW steps at most per run (capacity, schedule)")
    ap.add_argument("--schedule_K", type=int, nargs="+", default=[2], help="K values of the schedule study")
    ap.add_argument("--schedule_L", type=int, default=32, help="target length of the schedule study")
    ap.add_argument("--grow_by", type=int, nargs="+", default=[1], help="progressive schedule: tokens added per growth (one run each)")
    ap.add_argument("--pairs", type=int, default=4, help="SQuAD pairs (joint, order)")
    ap.add_argument("--restarts", type=int, default=3, help="restarts per pair (joint, order)")
    ap.add_argument("--joint_K", type=int, nargs="+", default=[4])
    ap.add_argument("--joint_steps", type=int, default=80)
    ap.add_argument("--order_K", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args(argv)


def texts(tok, kind: str, n: int, min_tokens: int, seed: int = 0) -> list[list[int]]:
    "`n` token lists of at least `min_tokens` tokens each: SQuAD contexts, generated word problems, random tokens"
    import torch
    from reasoning_nb.arith import ArithConfig, arith_problems
    enc = lambda s: tok.encode(s, add_special_tokens=False)
    if kind == "squad":
        data = json.loads(SQUAD.read_text())["data"]
        ctx = [enc(a["paragraphs"][0]["context"]) for a in data]
        return [c for c in ctx if len(c) >= min_tokens][:n]
    if kind == "word":
        out = []
        for i in range(n):
            ids = []
            for p in arith_problems(ArithConfig(ops=[3, 4]), 20, seed=seed + 1 + i):
                ids += enc((" " if ids else "") + p.question + " " + p.solution)
                if len(ids) >= min_tokens: break
            out.append(ids)
        return out
    if kind == "random":
        g = torch.Generator().manual_seed(seed)
        return [torch.randint(min(100, len(tok) // 4), len(tok), (min_tokens,), generator=g).tolist() for _ in range(n)]
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def setup(a):
    import tempfile, torch
    from reasoning_nb.frozen_lm import load_lm, tiny_lm
    from reasoning_nb.models.soft_prompt import mode_vectors
    torch.set_num_threads(1)
    path = a.model if a.model != "tiny" else str(tiny_lm(tempfile.mkdtemp() + "/tiny", init_std=0.3))
    lm, tok = load_lm(path)
    return lm, tok, mode_vectors(lm, tok, ("question", "answer"))


def run_targets(lm, modes, targets: list[list[int]], Ks: list[int], cfg, steps: int, keys: list[str], seed: int) -> list[dict]:
    "Optimise one c per (target, K) in one batch (each its own problem); teacher-forced and greedy figures of each"
    import torch
    from reasoning_nb.frozen_lm import greedy, token_embeddings
    from reasoning_nb.models import soft_prompt as sp
    from reasoning_nb.phase1a import Phase1aParams
    optim = Phase1aParams().engine.optim
    E, out = token_embeddings(lm), []
    for K in sorted(set(Ks)):                       # one batch per K (c has K rows)
        sel = [i for i, k in enumerate(Ks) if k == K]
        rows = sp.make_rows([[(1, targets[i])] for i in sel])
        starts = sp.init_contents([keys[i] for i in sel], K, E.shape[1], E.float().std().item(), seed)
        c = cfg.replace(K=K, restarts=1, stop_pair=False)
        st = sp.optimise(lm, starts, modes, rows, list(range(len(sel))), c, optim, steps, progress=True, desc=f"K={K}")
        for j, i in enumerate(sel):
            tgt, cs = targets[i], st.c[j].detach()
            prompt = sp.sp_prompt(cs, modes[1], c.order)[None]
            with torch.no_grad():
                ce, hit = sp.token_scores(lm, torch.tensor([tgt]), prompt)
            dec = greedy(lm, embeds=prompt, max_new_tokens=len(tgt))[0].tolist()
            match = [d == t for d, t in zip(dec, tgt)]
            prefix = next((p for p, m in enumerate(match) if not m), len(tgt))
            out.append({"i": i, "K": K, "L": len(tgt), "final": ce.mean().item(), "tf_acc": hit.float().mean().item(),
                        "greedy_acc": sum(match) / len(tgt), "greedy_prefix": prefix, "exact": dec == tgt,
                        "steps": st.updates[j], "scored_at_end": int(st.visible[j]), "curve": st.curves[j]})
    return [r for _, r in sorted((r["i"], r) for r in out)]


def capacity(a, lm, tok, modes) -> dict:
    from reasoning_nb.models.soft_prompt import SoftPromptConfig
    src = {k: texts(tok, k, a.texts, max(a.lengths), a.seed) for k in KINDS if k != "squad" or SQUAD.exists()}
    series = [(k, t, K) for k in src for t in range(len(src[k])) for K in a.K]
    alive, runs = set(series), []
    for L in sorted(a.lengths):
        todo = [s for s in series if s in alive and L > s[2]]
        if not todo: continue
        print(f"L={L}: {len(todo)} runs", flush=True)
        res = run_targets(lm, modes, [src[k][t][:L] for k, t, _ in todo], [K for *_, K in todo], SoftPromptConfig(stop_exact=True),
                          a.steps, [f"cap:{k}:{t}:{K}:{L}" for k, t, K in todo], a.seed)
        for (k, t, K), r in zip(todo, res):
            runs.append({"kind": k, "text": t, **{x: v for x, v in r.items() if x != "i"}})
            if not r["exact"]: alive.discard((k, t, K))
        a.save("capacity", {"runs": runs, "done_lengths": [x for x in a.lengths if x <= L]})      # partial results survive a kill
    cap = {f"{k}:{t}:K{K}": max([r["L"] for r in runs if (r["kind"], r["text"], r["K"]) == (k, t, K) and r["exact"]], default=0)
           for k, t, K in series}
    return {"runs": runs, "capacity": cap, "texts": {k: [tok.decode(x[:max(a.lengths)]) for x in v] for k, v in src.items()}}


def schedule(a, lm, tok, modes) -> dict:
    from reasoning_nb.models.soft_prompt import SoftPromptConfig
    src = {k: texts(tok, k, 1, a.schedule_L, a.seed)[0][:a.schedule_L] for k in KINDS if k != "squad" or SQUAD.exists()}
    items = [(k, K) for k in src for K in a.schedule_K]
    out = {}
    for sched, g in [("all", 1)] + [("progressive", g) for g in a.grow_by]:
        cfg = SoftPromptConfig(curriculum=sched, grow_by=g, stop_exact=True)
        res = run_targets(lm, modes, [src[k] for k, _ in items], [K for _, K in items], cfg,
                          a.steps, [f"sched:{k}:{K}" for k, K in items], a.seed)     # same keys: the same starts
        out[sched if g == 1 else f"{sched}_by{g}"] = [{"kind": k, **{x: v for x, v in r.items() if x != "i"}} for (k, _), r in zip(items, res)]
    return out


def joint(a, lm, tok, modes, Ks, order: str = "mode_first") -> dict:
    from reasoning_nb.models.soft_prompt import SoftPromptConfig, optimise_pairs
    from reasoning_nb.pairs import load_pairs
    from reasoning_nb.phase1a import Phase1aParams, summarise
    pairs = load_pairs(str(SQUAD), n=a.pairs)
    optim, out = Phase1aParams().engine.optim, {}
    for K in Ks:
        cfg = SoftPromptConfig(K=K, restarts=a.restarts, stop_pair=False, order=order)
        recs = optimise_pairs(lm, tok, pairs, cfg, "joint", modes, optim, a.joint_steps, a.seed)
        for r in recs:
            w = r["restarts"]["qa"]["worst"]
            r["tokens"] = sum(len(tok.encode(x, add_special_tokens=False)) for x in (r["targets"]["q"]["target"], r["targets"]["a"]["target"]))
            r["restarts_needed"] = next((i + 1 for i, v in enumerate(w) if v < cfg.stop_loss), None)
        s = summarise(recs)
        out[str(K)] = {"summary": s, "records": recs, "restarts_reached": [sum(v < cfg.stop_loss for v in r["restarts"]["qa"]["worst"]) for r in recs]}
        print(f"joint K={K} {order}: converged {s['convergence']:.0%}, exact {s['exact_all']:.0%}, "
              f"restarts needed {[r['restarts_needed'] for r in recs]}", flush=True)
    return out


def plot(name: str, res: dict, out: Path):
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.5, 4))
    if name == "capacity":
        for kind, m in zip(KINDS, "osd"):
            for t in sorted({r["text"] for r in res["runs"] if r["kind"] == kind}):
                ks = sorted({r["K"] for r in res["runs"]})
                ax.plot(ks, [res["capacity"].get(f"{kind}:{t}:K{K}", 0) for K in ks], m + "-", alpha=0.7, label=f"{kind} #{t}")
        ax.set_xscale("log", base=2); ax.set_yscale("symlog", base=2); ax.set_xlabel("K (trained vectors)")
        ax.set_ylabel("longest greedy-exact target (tokens)")
    elif name == "schedule":
        lab = [f"{r['kind']} K={r['K']}" for r in res["all"]]
        x = range(len(lab))
        w = 0.8 / len(res)
        for j, s in enumerate(res):
            off = (j - (len(res) - 1) / 2) * w
            ax.bar([i + off for i in x], [r["greedy_acc"] for r in res[s]], w, label=f"{s}: greedy")
            ax.plot([i + off for i in x], [r["tf_acc"] for r in res[s]], "k_", ms=10)
        ax.set_xticks(list(x), lab, rotation=30, fontsize=8); ax.set_ylabel("token accuracy (bar greedy, dash teacher-forced)")
    elif name == "order":
        x = range(len(res))
        ax.bar([i - 0.2 for i in x], [res[o]["summary"]["convergence"] for o in res], 0.4, label="converged (rule)")
        ax.bar([i + 0.2 for i in x], [res[o]["summary"]["exact_all"] for o in res], 0.4, label="greedy exact Q and A")
        ax.set_xticks(list(x), list(res)); ax.set_ylim(0, 1.05)
    else:
        ks = sorted(res, key=int)
        ax.plot(ks, [res[k]["summary"]["convergence"] for k in ks], "o-", label="converged (rule)")
        ax.plot(ks, [res[k]["summary"]["exact_all"] for k in ks], "s--", label="greedy exact Q and A")
        ax.set_xlabel("K"); ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=7); ax.grid(alpha=0.3); ax.set_title(f"SmolLM2-135M, {name}"); fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=110); plt.close(fig)


def report(out: Path) -> str:
    "Markdown tables of the studies' JSON files under `out` (partial capacity results too)"
    load = lambda n: json.loads((out / f"{n}.json").read_text()) if (out / f"{n}.json").exists() else None
    lines, row = [], lambda r: f"{r['final']:.3f} | {r['tf_acc']:.2f} | {r['greedy_acc']:.2f} | {r['greedy_prefix']} | {'yes' if r['exact'] else 'no'} | {r['steps']}"
    cap = load("capacity") or ({"result": json.loads((out / "capacity.partial.json").read_text())} if (out / "capacity.partial.json").exists() else None)
    if cap:
        lines += ["| text | K | L (tokens) | final CE | teacher-forced acc | greedy acc | greedy-correct prefix | greedy exact | steps |", "|---|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r['kind']} #{r['text']} | {r['K']} | {r['L']} | {row(r)} |" for r in sorted(cap["result"]["runs"], key=lambda r: (r["kind"], r["text"], r["K"], r["L"]))]
        if "capacity" in cap["result"]: lines += ["", "capacity (longest greedy-exact length tried): " + json.dumps(cap["result"]["capacity"]), f"CPU-s: {cap.get('cpu_s', float('nan')):.0f}"]
    sch = load("schedule")
    if sch:
        lines += ["", "| text | K | L | schedule | final CE | teacher-forced acc | greedy acc | greedy-correct prefix | greedy exact | steps | scored at the end |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for s_ in sch["result"]:
            lines += [f"| {r['kind']} | {r['K']} | {r['L']} | {s_} | {row(r)} | {r.get('scored_at_end', '')} |" for r in sch["result"][s_]]
        lines += [f"CPU-s: {sch['cpu_s']:.0f}"]
    for name in ("joint", "order"):
        j = load(name)
        if not j: continue
        lines += ["", f"| {name}: setting | pairs | converged (rule) | greedy exact Q and A | Q exact | A exact | restarts needed per pair | restarts reaching the stop |", "|---|---|---|---|---|---|---|---|"]
        for k, v in j["result"].items():
            s_ = v["summary"]
            lines += [f"| {name} {k} | {s_['n']} | {s_['convergence']:.2f} | {s_['exact_all']:.2f} | {s_['targets']['q']['exact']:.2f} | {s_['targets']['a']['exact']:.2f} | "
                      f"{[r['restarts_needed'] for r in v['records']]} | {v['restarts_reached']} |"]
        lines += [f"CPU-s: {j['cpu_s']:.0f}"]
    return "\n".join(lines)


def main(argv=None):
    a = parse(argv)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.studies == ["report"]: print(report(out)); return
    lm, tok, modes = setup(a)
    done = {}
    a.save = lambda name, part: (out / f"{name}.partial.json").write_text(json.dumps(part))
    for name in a.studies:
        t0, w0 = time.process_time(), time.time()
        res = {"capacity": lambda: capacity(a, lm, tok, modes), "schedule": lambda: schedule(a, lm, tok, modes),
               "joint": lambda: joint(a, lm, tok, modes, a.joint_K),
               "order": lambda: {o: done["joint"][str(a.order_K)] if o == "mode_first" and str(a.order_K) in done.get("joint", {})
                                else joint(a, lm, tok, modes, [a.order_K], o)[str(a.order_K)] for o in ("mode_first", "c_first")}}[name]()
        done[name] = res
        res = {"args": {k: v for k, v in vars(a).items() if k != "save"}, "cpu_s": time.process_time() - t0, "wall_s": time.time() - w0, "result": res}
        (out / f"{name}.json").write_text(json.dumps(res))
        (out / f"{name}.partial.json").unlink(missing_ok=True)
        plot(name, res["result"], out)
        print(f"{name}: {res['cpu_s']:.0f} CPU-s -> {out / name}.json", flush=True)


if __name__ == "__main__":
    main()
