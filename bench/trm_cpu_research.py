"""CPU-scale answers to the puzzle questions: (a) tiny-deep against wide-shallow at equal FLOPs per step, (b) shared
against separate H network, (c) TRM against HRM against the deep-supervised transformer; 3 seeds each.

One small generated task for all runs (the scale is `SCALE` below: generated Sudoku with only 4 blank cells, so that
a run on one CPU core reaches non-zero exact-solve accuracy in a few minutes). Every run trains with `train_puzzles` (the
pipeline's trainer) for the same number of optimizer steps and is evaluated on the whole test set; exact accuracy
stands beside the copy-input baseline (which solves no puzzle: every blank must be filled) and the majority
baselines. Writes `papers/figures/trm_cpu_research.json` and `.png`; the runs' own outputs go under
`outputs/trm_cpu_research/`.

    OMP_NUM_THREADS=1 nice -n 5 python bench/trm_cpu_research.py --jobs 2          # all runs, then the summary
    python bench/trm_cpu_research.py --only trm --seeds 0 --steps 100               # a quick probe
    python bench/trm_cpu_research.py --summarize                                    # JSON + plot from finished runs
"""
import argparse, json, os, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "outputs" / "trm_cpu_research"
FIG = ROOT / "papers" / "figures" / "trm_cpu_research"

# the task: generated Sudoku with only `max_blanks` empty cells (the rest of each minimal puzzle refilled from its
# solution), 3 augmented copies of each training puzzle; 7x7 mazes with short paths did not leave zero exact accuracy
# in 600 steps (the probe is in the paper)
SCALE = dict(dataset="sudoku", max_blanks=4, min_rating=0, n_train=500, n_test=256, n_aug=3)
# the shared recipe: AdamW, warmup then cosine, softmax CE, up to 4 supervision steps with learned halting
TRAIN = dict(steps=300, batch_size=32, lr=2e-3, warmup_steps=30, eval_interval=150, halt_max_steps=4)
# the configurations (flat settings of the pipeline, PuzzleParams); "trm" is the reference of all three questions
CONFIGS = {
    "trm":          dict(mode="trm", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),           # tiny-deep, shared
    "wide_shallow": dict(mode="trm", d_model=96, n_layers=2, H_cycles=1, L_cycles=1),           # 2.25x the matmul FLOPs per call, 1/3 the calls
    "separate_H":   dict(mode="trm", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, separate_H=True),
    "hrm":          dict(mode="hrm", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),
    "transformer_ds": dict(mode="transformer", d_model=64, n_layers=2, deep_supervision=True),  # the published baseline
}
QUESTIONS = {"a": ("trm", "wide_shallow"), "b": ("trm", "separate_H"), "c": ("trm", "hrm", "transformer_ds")}


def settings(name: str, seed: int = 0, steps: int = TRAIN["steps"]):
    "The pipeline's settings of configuration `name` and seed `seed` (the data's seed stays 0: one task for all runs)"
    from reasoning_nb.train_puzzles import PuzzleParams
    return PuzzleParams.from_flat({"H_cycles": 1, "L_cycles": 1, **SCALE, **TRAIN, **CONFIGS[name], "n_heads": 4, "steps": steps,
                                   "seed": seed, "eval_interval": min(TRAIN["eval_interval"], steps), "ckpt_interval": steps,
                                   "device": "cpu", "eval_size": None, "n_pictures": 2, "output_dir": str(OUT / f"{name}_s{seed}")})


def data():
    s = settings("trm")
    return s.kind.build(s.data_config())


def model_config(name: str, train_set):
    return settings(name).model_config(vocab_size=train_set.vocab_size, seq_len=train_set.seq_len)


def run_one(name: str, seed: int, steps: int) -> dict:
    "Train and evaluate one configuration and seed (skipped when its row.json exists: a killed sweep resumes)"
    out = OUT / f"{name}_s{seed}"
    if (out / "row.json").exists(): return json.loads((out / "row.json").read_text())
    import torch
    torch.set_num_threads(1)
    from reasoning_nb.train_puzzles import train_puzzles
    train_set, test_set = data()
    t0 = time.time()
    res = train_puzzles(settings(name, seed, steps), train_set, test_set, progress=False)
    row = {"name": name, "seed": seed, "steps": steps, "wall_s": time.time() - t0, "n_params": res["n_params"],
           "flops_per_step": res["flops_per_step"], "final": res["final"],   # the trainer's count (models.puzzle.step_flops)
           "eval_curve": [{k: e[k] for k in ("step", "time", "flops", "exact_accuracy", "changed_accuracy", "cell_accuracy")}
                          for e in res["eval_curve"]]}
    (out / "row.json").write_text(json.dumps(row, indent=1))
    print(f"{name} seed {seed}: exact {res['final']['exact_accuracy']:.3f} changed {res['final']['changed_accuracy']:.3f} "
          f"in {row['wall_s']:.0f}s", flush=True)
    return row


def summarize() -> dict:
    import numpy as np
    rows = [json.loads(p.read_text()) for p in sorted(OUT.glob("*/row.json"))]
    if not rows: raise SystemExit(f"no finished runs under {OUT}")
    by = {}
    for r in rows: by.setdefault(r["name"], []).append(r)
    stat = lambda xs: {"mean": float(np.mean(xs)), "min": float(np.min(xs)), "max": float(np.max(xs)),
                       "std": float(np.std(xs, ddof=1)) if len(xs) > 1 else 0.0, "values": [float(x) for x in xs]}
    f0 = rows[0]["final"]
    summary = {"scale": SCALE, "train": TRAIN, "configs": CONFIGS, "questions": QUESTIONS,
               "baselines": {k: f0[k] for k in ("copy_exact_accuracy", "copy_cell_accuracy", "majority_cell_accuracy",
                                                "majority_changed_accuracy")},
               "machine": "project CPU machine, 1 torch thread per run, 2 runs in parallel, nice 5",
               "results": {n: {"seeds": [r["seed"] for r in rs], "n_params": rs[0]["n_params"],
                               "flops_per_step": rs[0]["flops_per_step"],
                               **{k: stat([r["final"][k] for r in rs]) for k in ("exact_accuracy", "changed_accuracy", "cell_accuracy", "steps")},
                               "wall_s": stat([r["wall_s"] for r in rs])} for n, rs in by.items()},
               "runs": rows}
    FIG.parent.mkdir(parents=True, exist_ok=True)
    FIG.with_suffix(".json").write_text(json.dumps(summary, indent=1))
    plot(summary)
    return summary


def plot(summary: dict):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [n for n in CONFIGS if n in summary["results"]]
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.2))
    for i, n in enumerate(names):
        v = summary["results"][n]["exact_accuracy"]["values"]
        a.scatter([i] * len(v), v, color=f"C{i}", alpha=0.6)
        a.errorbar(i, np.mean(v), yerr=[[np.mean(v) - min(v)], [max(v) - np.mean(v)]], fmt="o", color="k", capsize=4)
    a.axhline(summary["baselines"]["copy_exact_accuracy"], ls="--", color="gray", label="copy input (exact)")
    a.set_xticks(range(len(names))); a.set_xticklabels(names, rotation=20)
    a.set_ylabel("test exact accuracy (whole test set)"); a.legend(); a.grid(alpha=0.3)
    for i, n in enumerate(names):
        for r in [r for r in summary["runs"] if r["name"] == n]:
            c = r["eval_curve"]
            b.plot([e["time"] for e in c], [e["exact_accuracy"] for e in c], "o-", color=f"C{i}", alpha=0.6,
                   label=n if r["seed"] == summary["results"][n]["seeds"][0] else None)
    b.set_xlabel("wall time (s, 1 core)"); b.set_ylabel("test exact accuracy"); b.grid(alpha=0.3); b.legend()
    fig.suptitle(f"{summary['scale']}, {summary['train']['steps']} steps")
    fig.tight_layout(); fig.savefig(FIG.with_suffix(".png"), dpi=100); plt.close(fig)


def markdown_table(summary: dict) -> str:
    "The paper's table: exact / blank-cell accuracy (mean, min-max over seeds), FLOPs per step, wall time, beside the baselines"
    b = summary["baselines"]
    lines = ["| configuration | seeds | exact accuracy: mean (min-max) | blank cells: mean (min-max) | GFLOP / step | wall s (mean) |",
             "|---|---|---|---|---|---|"]
    fmt = lambda r: f"{r['mean']:.3f} ({r['min']:.3f}-{r['max']:.3f})"
    for n in CONFIGS:
        if n not in summary["results"]: continue
        r = summary["results"][n]
        lines.append(f"| {n} | {len(r['seeds'])} | {fmt(r['exact_accuracy'])} | {fmt(r['changed_accuracy'])} | "
                     f"{r['flops_per_step'] / 1e9:.2f} | {r['wall_s']['mean']:.0f} |")
    lines.append(f"| copy the input | - | {b['copy_exact_accuracy']:.3f} | 0 (by definition) | - | - |")
    lines.append(f"| most frequent digit | - | 0 | {b['majority_changed_accuracy']:.3f} | - | - |")
    return "\n".join(lines)


import numpy as np  # noqa: E402  (used by plot)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=TRAIN["steps"])
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel (one core each)")
    ap.add_argument("--summarize", action="store_true", help="only write the JSON and plot from finished runs")
    a = ap.parse_args()
    if not a.summarize:
        data()                                                       # build the cached set once, before the workers
        jobs = [(n, s, a.steps) for s in a.seeds for n in a.only]
        with ProcessPoolExecutor(a.jobs) as ex: list(ex.map(run_one, *zip(*jobs)))
    s = summarize()
    print(markdown_table(s))
    for n, r in s["results"].items():
        e = r["exact_accuracy"]
        print(f"{n:15s} exact {e['mean']:.3f} (min {e['min']:.3f}, max {e['max']:.3f}) over seeds {r['seeds']}  "
              f"{r['flops_per_step'] / 1e9:.2f} GFLOP/step  {r['wall_s']['mean']:.0f}s")
