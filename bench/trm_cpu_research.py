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

Study "converge" (issue 19: a regime where the models converge, every configuration at equal training FLOPs; also
written: the train-set check and held-out exact accuracy by deduction depth), and the two probes that chose it:

    OMP_NUM_THREADS=1 nice -n 5 python bench/trm_cpu_research.py --study converge --only trm_mlp transformer --jobs 3
    python bench/trm_cpu_research.py --study converge --summarize
    OMP_NUM_THREADS=1 python bench/trm_cpu_research.py --study converge16 --only trm_mlp transformer --seeds 0
    OMP_NUM_THREADS=1 python bench/trm_cpu_research.py --study converge16 --only trm_attention --seeds 0 --steps 2000
    OMP_NUM_THREADS=1 python bench/trm_cpu_research.py --study maze9 --seeds 0
"""
import argparse, json, os, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "outputs" / "trm_cpu_research"
FIG = ROOT / "papers" / "figures" / "trm_cpu_research"

# study "short" (the first answers, unconverged): generated Sudoku with only `max_blanks` empty cells (the rest of
# each minimal puzzle refilled from its solution), 3 augmented copies of each training puzzle; 7x7 mazes with short
# paths did not leave zero exact accuracy in 600 steps (the probe is in the paper).
# study "converge" (issue 19): 32 blanks (3-5 rounds of naked singles for most puzzles), 1,000 training puzzles x 8
# (7 augmentations); every configuration gets the same training FLOPs (the trainer's count): `steps` steps of `ref`,
# so a configuration with cheaper steps takes more of them. With 16 blanks (2 rounds for most) MLP-t TRM reached
# 92.6 % in 2,000 steps but the single-pass transformer reached 84 % in a quarter of the FLOPs: no need to iterate.
STUDIES = {
    "short": dict(
        scale=dict(dataset="sudoku", max_blanks=4, min_rating=0, n_train=500, n_test=256, n_aug=3),
        train=dict(steps=300, batch_size=32, lr=2e-3, warmup_steps=30, eval_interval=150, halt_max_steps=4),
        configs={
            "trm":          dict(mode="trm", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),           # tiny-deep, shared
            "wide_shallow": dict(mode="trm", d_model=96, n_layers=2, H_cycles=1, L_cycles=1),           # 2.25x the matmul FLOPs per call, 1/3 the calls
            "separate_H":   dict(mode="trm", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, separate_H=True),
            "hrm":          dict(mode="hrm", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),
            "transformer_ds": dict(mode="transformer", d_model=64, n_layers=2, deep_supervision=True),  # the published baseline
        },
        questions={"a": ("trm", "wide_shallow"), "b": ("trm", "separate_H"), "c": ("trm", "hrm", "transformer_ds")}),
    "converge": dict(
        scale=dict(dataset="sudoku", max_blanks=32, min_rating=0, n_train=1000, n_test=256, n_aug=7),
        train=dict(steps=3000, batch_size=32, lr=2e-3, warmup_steps=50, eval_interval=250, halt_max_steps=8, ema=True),
        ref="trm_mlp", n_evals=8,
        configs={
            "trm_mlp":        dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),
            "transformer":    dict(mode="transformer", arch="mlp", d_model=64, n_layers=2),            # one pass, same parameters
            "trm_attention":  dict(mode="trm", arch="attention", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),
            "transformer_ds": dict(mode="transformer", arch="mlp", d_model=64, n_layers=2, deep_supervision=True),
            "hrm_mlp":        dict(mode="hrm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),
            "separate_H":     dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, separate_H=True),
            # 1.5x the width, half the recursion (3 network calls per step, not 6): 1.13x trm_mlp's FLOPs per step
            "wide_shallow":   dict(mode="trm", arch="mlp", d_model=96, n_layers=2, H_cycles=1, L_cycles=2),
            # data efficiency: trm_mlp on the first 100 / 300 of the same generated training puzzles (x 8), same test set
            "trm_mlp_n100":   dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, n_train=100),
            "trm_mlp_n300":   dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, n_train=300),
            "trm_mlp_n3000":  dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, n_train=3000),
            # separate H at equal parameters and equal FLOPs per step: two 1-layer networks, 5 z-updates per cycle (12 layer
            # passes per step, as trm_mlp's 2 x (2 + 1) calls of 2 layers); 224,258 parameters each (MLP-t's token mixer does
            # not shrink with the width, so a narrower separate_H cannot match the parameters)
            "separate_H_eqparams": dict(mode="trm", arch="mlp", d_model=64, n_layers=1, H_cycles=2, L_cycles=5, separate_H=True),
            # halting (trm_mlp is BCE with the MLP Q head): DQN halting (its look-ahead makes a step 1.5x dearer, so fewer
            # steps), DQN with the intrinsic bonuses (count, RND, dynamics at 0.1 each), the GRU Q head (its recurrent matmuls are
            # not in the count: under 0.1 % of a step), the attention Q head (one learned query over the positions; its two
            # 64 x 64 projections are not in the count either: about 1 % of a step by their shapes), and the memory bank
            "dqn_mlp":        dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, halting="dqn"),
            "dqn_mlp_intrinsic": dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, halting="dqn",
                                      novelty_weight=0.1, rnd_weight=0.1, dynamics_weight=0.1),
            "bce_gru":        dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, q_head="gru"),
            "dqn_gru":        dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, q_head="gru", halting="dqn"),
            "bce_attention_q": dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, q_head="attention"),
            "dqn_attention_q": dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, q_head="attention",
                                    halting="dqn"),
            "trm_mlp_memory": dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2, use_memory=True),
        },
        questions={"needs iteration": ("trm_mlp", "transformer"), "MLP-t vs attention": ("trm_mlp", "trm_attention"),
                   "TRM vs HRM vs transformers": ("trm_mlp", "hrm_mlp", "transformer_ds", "transformer"),
                   "shared vs separate H (equal width)": ("trm_mlp", "separate_H"),
                   "shared vs separate H (equal parameters)": ("trm_mlp", "separate_H_eqparams"),
                   "BCE vs DQN halting (MLP Q head)": ("trm_mlp", "dqn_mlp"),
                   "BCE vs DQN halting (GRU Q head)": ("bce_gru", "dqn_gru"),
                   "BCE vs DQN halting (attention Q head)": ("bce_attention_q", "dqn_attention_q"),
                   "Q head (BCE): MLP vs GRU vs attention": ("trm_mlp", "bce_gru", "bce_attention_q"),
                   "Q head (DQN): MLP vs GRU vs attention": ("dqn_mlp", "dqn_gru", "dqn_attention_q"),
                   "intrinsic bonus (DQN)": ("dqn_mlp", "dqn_mlp_intrinsic"),
                   "memory on/off": ("trm_mlp", "trm_mlp_memory"),
                   "tiny-deep vs wide-shallow": ("trm_mlp", "wide_shallow"),
                   "data efficiency (1,000 training puzzles vs 100 / 300 / 3,000)": ("trm_mlp", "trm_mlp_n3000", "trm_mlp_n300", "trm_mlp_n100")}),
    # the probes that chose the regime (one seed each): 16 blanks did not need iteration; 9x9 mazes did not converge
    "converge16": dict(
        scale=dict(dataset="sudoku", max_blanks=16, min_rating=0, n_train=1000, n_test=256, n_aug=7),
        train=dict(steps=2000, batch_size=32, lr=2e-3, warmup_steps=50, eval_interval=250, halt_max_steps=8, ema=True),
        ref="trm_mlp", n_evals=8,
        configs={"trm_mlp":       dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),
                 "transformer":   dict(mode="transformer", arch="mlp", d_model=64, n_layers=2),
                 "trm_attention": dict(mode="trm", arch="attention", d_model=64, n_layers=2, H_cycles=2, L_cycles=2)},
        questions={}),
    "maze9": dict(
        scale=dict(dataset="maze", maze_size=9, min_path_len=12, loop_prob=0.0, n_train=1000, n_test=200, n_aug=7),
        train=dict(steps=2000, batch_size=32, lr=2e-3, warmup_steps=50, eval_interval=250, halt_max_steps=8, ema=True),
        configs={"trm_attention": dict(mode="trm", arch="attention", d_model=64, n_layers=2, H_cycles=2, L_cycles=2),
                 "trm_mlp":       dict(mode="trm", arch="mlp", d_model=64, n_layers=2, H_cycles=2, L_cycles=2)},
        questions={}),
}
STUDY = "short"
SCALE, TRAIN, CONFIGS, QUESTIONS = (STUDIES[STUDY][k] for k in ("scale", "train", "configs", "questions"))


def use_study(name: str):
    "Switch the module to study `name` (its scale, recipe, configurations, output folder and figure)"
    global STUDY, SCALE, TRAIN, CONFIGS, QUESTIONS, OUT, FIG
    STUDY = name
    SCALE, TRAIN, CONFIGS, QUESTIONS = (STUDIES[name][k] for k in ("scale", "train", "configs", "questions"))
    suffix = "" if name == "short" else f"_{name}"
    OUT = ROOT / "outputs" / f"trm_cpu_research{suffix}"
    FIG = ROOT / "papers" / "figures" / f"trm_cpu_research{suffix}"


def budget_steps(name: str) -> int:
    "Steps of configuration `name`: the study's own count, or (with a reference) the reference's training FLOPs over this one's per step"
    st = STUDIES[STUDY]
    if "ref" not in st: return TRAIN["steps"]
    from reasoning_nb.models.puzzle import step_flops
    train_set, _ = data()
    f = lambda n: step_flops(model_config(n, train_set), TRAIN["batch_size"])
    return int(round(TRAIN["steps"] * f(st["ref"]) / f(name)))


def settings(name: str, seed: int = 0, steps: int = TRAIN["steps"]):
    "The pipeline's settings of configuration `name` and seed `seed` (the data's seed stays 0: one task for all runs)"
    from reasoning_nb.train_puzzles import PuzzleParams
    n_evals = STUDIES[STUDY].get("n_evals")
    every = max(1, steps // n_evals) if n_evals else min(TRAIN["eval_interval"], steps)
    return PuzzleParams.from_flat({"H_cycles": 1, "L_cycles": 1, **SCALE, **TRAIN, **CONFIGS[name], "n_heads": 4, "steps": steps,
                                   "seed": seed, "eval_interval": every, "ckpt_interval": steps,
                                   "device": "cpu", "eval_size": None, "n_pictures": 2, "output_dir": str(OUT / f"{name}_s{seed}")})


def data(name: str = None):
    "The (train, test) sets of configuration `name` (default the study's first): a configuration may set `n_train`; the test set is the same"
    s = settings(name or next(iter(CONFIGS)))
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
    train_set, test_set = data(name)
    t0 = time.time()
    res = train_puzzles(settings(name, seed, steps), train_set, test_set, progress=False, keep_model=True)
    extra = final_checks(res.pop("model"), train_set, test_set) if STUDY != "short" else {}
    row = {**extra, "name": name, "seed": seed, "steps": steps, "wall_s": time.time() - t0, "n_params": res["n_params"],
           "flops_per_step": res["flops_per_step"], "final": res["final"],   # the trainer's count (models.puzzle.step_flops)
           # training rows loaded (a slot loads a new puzzle when it halts): early halting sees more puzzles per FLOP
           "puzzles_loaded": float(sum(r["puzzles_loaded"] for r in res["train_curve"])),
           "eval_curve": [{k: e[k] for k in ("step", "time", "flops", "exact_accuracy", "changed_accuracy", "cell_accuracy")}
                          for e in res["eval_curve"]]}
    (out / "row.json").write_text(json.dumps(row, indent=1))
    print(f"{name} seed {seed}: exact {res['final']['exact_accuracy']:.3f} changed {res['final']['changed_accuracy']:.3f} "
          f"in {row['wall_s']:.0f}s", flush=True)
    return row


def final_checks(model, train_set, test_set, n_train_rows: int = 256) -> dict:
    "The trained model on `n_train_rows` training rows (the train figure of the regime) and on the test set by deduction depth"
    from reasoning_nb.models.predict import predict, puzzle_metrics
    from reasoning_nb.puzzles.sudoku import deduction_depth
    model.eval()
    rows = np.random.default_rng(0).choice(len(train_set), min(n_train_rows, len(train_set)), replace=False)
    tr = puzzle_metrics(train_set, rows, **predict(model, train_set, rows))
    te_rows = np.arange(len(test_set)); p = predict(model, test_set, te_rows)
    te = puzzle_metrics(test_set, te_rows, **p)
    cfg, model.act_cfg = model.act_cfg, model.act_cfg.replace(eval_halting="learned")     # the same model halting by its Q head
    pl = predict(model, test_set, te_rows); model.act_cfg = cfg
    learned = {"exact_accuracy": puzzle_metrics(test_set, te_rows, **pl)["exact_accuracy"], "mean_steps": float(pl["steps"].mean())}
    if SCALE["dataset"] != "sudoku": return {"train_check": {k: tr[k] for k in ("exact_accuracy", "changed_accuracy", "cell_accuracy")} | {"n": len(rows)},
                                             "test_check": {k: te[k] for k in ("exact_accuracy", "changed_accuracy", "cell_accuracy")}, "exact_by_depth": {},
                                             "learned_halting": learned}
    depth = np.array([deduction_depth(x) for x in test_set.inputs])
    solved = ((p["preds"] == test_set.labels) | (test_set.labels == 0)).all(1)
    by_depth = {str(int(d)) if np.isfinite(d) else "inf": {"n": int((depth == d).sum()), "exact": float(solved[depth == d].mean())}
                for d in np.unique(depth)}
    return {"train_check": {k: tr[k] for k in ("exact_accuracy", "changed_accuracy", "cell_accuracy")} | {"n": len(rows)},
            "test_check": {k: te[k] for k in ("exact_accuracy", "changed_accuracy", "cell_accuracy")}, "exact_by_depth": by_depth,
            "learned_halting": learned}


def run_in_study(study: str, name: str, seed: int, steps: int) -> dict:
    "`run_one` in a worker process (which starts in the default study)"
    use_study(study)
    return run_one(name, seed, steps)


def committed_runs() -> list:
    "The runs already in the study's figure JSON (of configurations still in the study): a fresh clone adds runs to them"
    f = FIG.with_suffix(".json")
    if not f.exists(): return []
    s = json.loads(f.read_text())
    return [r for r in s["runs"] if r["name"] in CONFIGS] if s.get("study") == STUDY else []


def summarize() -> dict:
    import numpy as np
    rows = {(r["name"], r["seed"]): r for r in committed_runs()}
    rows |= {(r["name"], r["seed"]): r for r in (json.loads(p.read_text()) for p in sorted(OUT.glob("*/row.json")))}
    rows = [rows[k] for k in sorted(rows)]
    if not rows: raise SystemExit(f"no finished runs under {OUT} or in {FIG.with_suffix('.json')}")
    by = {}
    for r in rows: by.setdefault(r["name"], []).append(r)
    stat = lambda xs: {"mean": float(np.mean(xs)), "min": float(np.min(xs)), "max": float(np.max(xs)),
                       "std": float(np.std(xs, ddof=1)) if len(xs) > 1 else 0.0, "values": [float(x) for x in xs]}
    f0 = rows[0]["final"]
    checks = lambda rs, key, k: stat([r[key][k] for r in rs]) if all(key in r for r in rs) else None
    summary = {"study": STUDY, "ref": STUDIES[STUDY].get("ref"), "scale": SCALE, "train": TRAIN, "configs": CONFIGS, "questions": QUESTIONS,
               "baselines": {k: f0[k] for k in ("copy_exact_accuracy", "copy_cell_accuracy", "majority_cell_accuracy",
                                                "majority_changed_accuracy")},
               "machine": "project CPU machine, 1 torch thread per run, 2 runs in parallel, nice 5",
               "results": {n: {"seeds": [r["seed"] for r in rs], "n_params": rs[0]["n_params"],
                               "flops_per_step": rs[0]["flops_per_step"],
                               **{k: stat([r["final"][k] for r in rs]) for k in ("exact_accuracy", "changed_accuracy", "cell_accuracy", "steps")},
                               "wall_s": stat([r["wall_s"] for r in rs]), "steps_trained": rs[0]["steps"],
                               "train_flops": rs[0]["steps"] * rs[0]["flops_per_step"],
                               "train_exact": checks(rs, "train_check", "exact_accuracy"),
                               # the best evaluation of each run (chosen on the test set itself: optimistic, a run that overfits late)
                               "peak_exact": stat([max(e["exact_accuracy"] for e in r["eval_curve"]) for r in rs]),
                               "learned_exact": checks(rs, "learned_halting", "exact_accuracy"),    # halting by the Q head
                               "learned_steps": checks(rs, "learned_halting", "mean_steps"),
                               "puzzles_loaded": stat([r["puzzles_loaded"] for r in rs]) if all("puzzles_loaded" in r for r in rs) else None,
                               "exact_by_depth": {d: stat([r["exact_by_depth"][d]["exact"] for r in rs]) | {"n": rs[0]["exact_by_depth"][d]["n"]}
                                                  for d in rs[0].get("exact_by_depth", {})}} for n, rs in by.items()},
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
    fig, (a, b, c3) = plt.subplots(1, 3, figsize=(17, 4.2))
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
            lab = n if r["seed"] == summary["results"][n]["seeds"][0] else None
            b.plot([e["flops"] / 1e12 for e in c], [e["exact_accuracy"] for e in c], "o-", color=f"C{i}", alpha=0.6, label=lab)
            c3.plot([e["time"] for e in c], [e["exact_accuracy"] for e in c], "o-", color=f"C{i}", alpha=0.6, label=lab)
    b.set_xlabel("training TFLOPs (the trainer's count)"); c3.set_xlabel("wall time (s, 1 core, under load)")
    for ax in (b, c3): ax.set_ylabel("test exact accuracy"); ax.grid(alpha=0.3); ax.legend(fontsize=8)
    budget = "equal training FLOPs" if summary.get("ref") else f"{summary['train']['steps']} steps"
    fig.suptitle(f"{summary['scale']}, {budget}")
    fig.tight_layout(); fig.savefig(FIG.with_suffix(".png"), dpi=100); plt.close(fig)
    if summary.get("questions") and summary.get("ref"): plot_questions(summary)


def plot_questions(summary: dict):
    "One row per question: its configurations' test exact accuracy against training FLOPs and against wall time, every seed"
    import matplotlib.pyplot as plt
    qs = [(q, [n for n in names if n in summary["results"]]) for q, names in summary["questions"].items()]
    qs = [(q, names) for q, names in qs if len(names) > 1]
    fig, axes = plt.subplots(len(qs), 2, figsize=(11, 2.6 * len(qs)), squeeze=False)
    for (q, names), (a, b) in zip(qs, axes):
        for i, n in enumerate(names):
            for r in sorted((r for r in summary["runs"] if r["name"] == n), key=lambda r: r["seed"]):
                c, lab = r["eval_curve"], n if r["seed"] == summary["results"][n]["seeds"][0] else None
                a.plot([e["flops"] / 1e12 for e in c], [e["exact_accuracy"] for e in c], "o-", ms=3, color=f"C{i}", alpha=0.6, label=lab)
                b.plot([e["time"] / 60 for e in c], [e["exact_accuracy"] for e in c], "o-", ms=3, color=f"C{i}", alpha=0.6, label=lab)
        a.set_title(q, fontsize=9, loc="left"); a.legend(fontsize=7)
        for ax in (a, b): ax.set_ylabel("test exact"); ax.grid(alpha=0.3); ax.set_ylim(-0.02, 1.02)
    axes[-1][0].set_xlabel("training TFLOPs (the trainer's count)"); axes[-1][1].set_xlabel("wall minutes (1 thread, 2 runs in parallel)")
    fig.tight_layout(); fig.savefig(FIG.parent / f"{FIG.name}_questions.png", dpi=80); plt.close(fig)


def markdown_table(summary: dict) -> str:
    "The paper's table: exact / blank-cell accuracy (mean, min-max over seeds), FLOPs per step, wall time, beside the baselines"
    if summary.get("ref"): return budget_table(summary)
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


def budget_table(summary: dict) -> str:
    "The table of a study at equal training FLOPs: test and train exact accuracy, blank cells, exact by deduction depth"
    b, fmt = summary["baselines"], lambda r: f"{r['mean']:.3f} ({r['min']:.3f}-{r['max']:.3f})" if r else "-"
    depths = sorted({d for r in summary["results"].values() for d in r["exact_by_depth"]}, key=lambda d: float(d))
    lines = ["| configuration | seeds | steps | training TFLOPs | test exact: mean (min-max) | peak during training | blank cells | train exact | "
             + " | ".join(f"exact at depth {d}" for d in depths) + " | wall s (mean) |",
             "|---|---|---|---|---|---|---|---|" + "---|" * len(depths) + "---|"]
    for n in CONFIGS:
        if n not in summary["results"]: continue
        r = summary["results"][n]
        by = [f"{r['exact_by_depth'][d]['mean']:.2f}" if d in r["exact_by_depth"] else "-" for d in depths]
        lines.append(f"| {n} | {len(r['seeds'])} | {r['steps_trained']} | {r['train_flops'] / 1e12:.1f} | {fmt(r['exact_accuracy'])} | "
                     f"{r['peak_exact']['mean']:.3f} | {fmt(r['changed_accuracy'])} | {fmt(r['train_exact'])} | " + " | ".join(by) + f" | {r['wall_s']['mean']:.0f} |")
    n_d = next(iter(summary["results"].values()))["exact_by_depth"]
    lines.append(f"| copy the input | - | - | - | {b['copy_exact_accuracy']:.3f} | - | 0 | - | " + " | ".join("0" for _ in depths) + " | - |")
    lines.append(f"| most frequent digit | - | - | - | 0 | - | {b['majority_changed_accuracy']:.3f} | - | " + " | ".join("0" for _ in depths) + " | - |")
    lines.append(f"| (test puzzles at each depth) | | | | | | | | " + " | ".join(str(n_d[d]["n"]) if d in n_d else "-" for d in depths) + " | |")
    return "\n".join(lines)


def paired_differences(summary: dict, a: str, b: str, key: str = "exact_accuracy") -> dict:
    "Held-out `key` of configuration `b` minus `a`, paired by seed (same data, same seed), with a t 95 % CI of the mean"
    from scipy import stats
    fa = {r["seed"]: r["final"][key] for r in summary["runs"] if r["name"] == a}
    fb = {r["seed"]: r["final"][key] for r in summary["runs"] if r["name"] == b}
    seeds = sorted(set(fa) & set(fb))
    d = np.array([fb[s] - fa[s] for s in seeds])
    if len(d) < 2: return {"seeds": seeds, "diffs": d.tolist(), "mean": float(d.mean()) if len(d) else None, "ci95": None}
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return {"seeds": seeds, "diffs": d.tolist(), "mean": float(d.mean()), "ci95": [float(d.mean() - half), float(d.mean() + half)]}


def question_table(summary: dict) -> str:
    "One row per comparison of the study's questions: each other configuration minus the question's first, per seed and mean (t CI)"
    lines = ["| question | comparison | difference in test exact, per seed | mean [95 % CI] |", "|---|---|---|---|"]
    for q, names in summary["questions"].items():
        for b in names[1:]:
            if names[0] not in summary["results"] or b not in summary["results"]: continue
            p = paired_differences(summary, names[0], b)
            ci = f"[{p['ci95'][0]:+.3f}, {p['ci95'][1]:+.3f}]" if p["ci95"] else "-"
            per = ", ".join(f"s{s} {x:+.3f}" for s, x in zip(p["seeds"], p["diffs"]))
            lines.append(f"| {q} | {b} − {names[0]} | {per} | {p['mean']:+.3f} {ci} |")
    return "\n".join(lines)


import numpy as np  # noqa: E402  (used by plot)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--study", default="short", choices=list(STUDIES))
    ap.add_argument("--only", nargs="*", default=None, help="configurations (default: all of the study's)")
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=None, help="study short: steps of every run (default: the study's)")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel (one core each)")
    ap.add_argument("--summarize", action="store_true", help="only write the JSON and plot from finished runs")
    a = ap.parse_args()
    use_study(a.study)
    names = a.only or list(CONFIGS)
    if not a.summarize:
        for n in names: data(n)                                      # build the cached sets once, before the workers
        jobs = [(a.study, n, s, a.steps or budget_steps(n)) for s in a.seeds for n in names]
        with ProcessPoolExecutor(a.jobs) as ex: list(ex.map(run_in_study, *zip(*jobs)))
    s = summarize()
    print(markdown_table(s))
    if s.get("ref"): print(question_table(s))
    for n, r in s["results"].items():
        e = r["exact_accuracy"]
        print(f"{n:15s} exact {e['mean']:.3f} (min {e['min']:.3f}, max {e['max']:.3f}) over seeds {r['seeds']}  "
              f"{r['flops_per_step'] / 1e9:.2f} GFLOP/step  {r['wall_s']['mean']:.0f}s")
