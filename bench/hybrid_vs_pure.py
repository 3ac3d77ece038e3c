"""Hybrid (GDN + attention at the relative depths of exp8's [5, 11] of 12) against a pure transformer and a pure Gated
DeltaNet stack of the same width and depth, at equal parameters (within a few percent, printed) and equal tokens.

A research driver, not a test: it trains every (variant, seed) with `rnb-train-exp8` in its own process (so one run's
threads and memory are its own), then writes one JSON and one plot and prints the table.

    python bench/hybrid_vs_pure.py                                  # CPU scale: width 128, 4 layers, 3 seeds
    python bench/hybrid_vs_pure.py --config presets/exp8.yaml --seeds 0 --out outputs/hybrid_vs_pure_gpu   # published scale

Finished runs are reused (their results file exists), so an interrupted sweep resumes where it stopped.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def variants(n_layers: int, hybrid: list[int]) -> dict[str, list[int]]:
    return {"hybrid": hybrid, "transformer": list(range(n_layers)), "gdn": []}


def hybrid_layers(n_layers: int) -> list[int]:
    "exp8 puts attention at blocks 5 and 11 of 12, i.e. at relative depths 1/2 and 1: the same blocks of a shorter stack"
    return sorted({n_layers // 2 - 1, n_layers - 1})


def run_one(a, name: str, layers: list[int], seed: int) -> dict:
    out = Path(a.out) / f"{name}_s{seed}"
    res = out / "results" / "training_results_baseline.json"
    if not res.exists():
        cmd = [sys.executable, "-c", "from reasoning_nb.train import train_exp8_cli; train_exp8_cli()", "--no_progress", "--model_type", "baseline",
               "--attention_layers", json.dumps(layers), "--seed", str(seed), "--output_dir", str(out)]
        if a.config: cmd += ["--config", a.config]
        if a.steps: cmd += ["--steps", str(a.steps)]
        for kv in a.set or []:
            k, v = kv.split("=", 1); cmd += [f"--{k}", v]
        print(f"== {name} seed {seed}: rnb-train-exp8 {' '.join(cmd[3:])}", flush=True)
        t0 = time.time()
        subprocess.run(cmd, check=True, cwd=ROOT)
        print(f"   {time.time() - t0:.0f} s", flush=True)
    r = json.loads(res.read_text())
    return {"variant": name, "seed": seed, "attention_layers": layers, "params": r["params"],
            "params_non_embedding": r["params_non_embedding"], "tokens": r["tokens_seen"], "final_val_loss": r["final_val_loss"],
            "best_val_loss": r["best_val_loss"], "train_time_s": r["train_time_s"], "tokens_per_s": r["tokens_per_s"],
            "val_curve": [(v["tokens"], v["loss"]) for v in r["val_curve"]], "git_commit": r.get("git_commit"),
            "device": r["device"], "n_layers": r["config"]["model"]["n_layers"], "d_model": r["config"]["model"]["d_model"]}


def summarise(rows: list[dict]) -> dict:
    import numpy as np
    out = {}
    for name in dict.fromkeys(r["variant"] for r in rows):
        rs = [r for r in rows if r["variant"] == name]
        v = np.array([r["final_val_loss"] for r in rs])
        out[name] = {"seeds": [r["seed"] for r in rs], "final_val_loss": v.tolist(), "mean": float(v.mean()),
                     "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0, "min": float(v.min()), "max": float(v.max()),
                     "params": rs[0]["params"], "params_non_embedding": rs[0]["params_non_embedding"],
                     "tokens": rs[0]["tokens"], "tokens_per_s": float(np.mean([r["tokens_per_s"] for r in rs])),
                     "attention_layers": rs[0]["attention_layers"]}
    ref = out["hybrid"]["params"]
    for s in out.values(): s["params_vs_hybrid"] = s["params"] / ref - 1
    return out


def plot(rows: list[dict], summary: dict, path: Path):
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt, pandas as pd, seaborn as sns
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    curves = pd.DataFrame([{"variant": r["variant"], "seed": r["seed"], "tokens": t, "val_loss": l}
                           for r in rows for t, l in r["val_curve"]])
    sns.lineplot(curves, x="tokens", y="val_loss", hue="variant", errorbar=("pi", 100), marker="o", ax=ax1)
    ax1.set(title="validation loss (band: min-max over seeds)", ylabel="val loss (nats/token)")
    final = pd.DataFrame([{"variant": r["variant"], "final val loss": r["final_val_loss"]} for r in rows])
    sns.stripplot(final, x="variant", y="final val loss", hue="variant", size=8, ax=ax2, legend=False)
    sns.pointplot(final, x="variant", y="final val loss", errorbar="sd", color="k", markers="_", linestyles="none", ax=ax2)
    ax2.set(title="final validation loss per seed (black: mean ± sd)",
            xticklabels=[f"{n}\n{summary[n]['params'] / 1e6:.3f}M" for n in summary])
    fig.tight_layout(); fig.savefig(path, dpi=110); plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", help="a YAML recipe for rnb-train-exp8 (e.g. presets/exp8.yaml); default: the CPU settings")
    ap.add_argument("--n_layers", type=int, default=4, help="depth (must match --config's when one is given)")
    ap.add_argument("--steps", type=int, default=320, help="training steps per run (equal tokens for every variant)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--set", nargs="*", metavar="KEY=VALUE", help="more rnb-train-exp8 settings, e.g. device=cuda")
    ap.add_argument("--out", default="outputs/hybrid_vs_pure", help="run folders (git-ignored)")
    ap.add_argument("--json", default="papers/figures/hybrid_vs_pure.json", help="results JSON")
    ap.add_argument("--png", default="papers/figures/hybrid_vs_pure.png", help="plot")
    a = ap.parse_args(argv)
    rows = [run_one(a, n, layers, s) for n, layers in variants(a.n_layers, hybrid_layers(a.n_layers)).items() for s in a.seeds]
    summary = summarise(rows)
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps({"command": "python bench/hybrid_vs_pure.py " + " ".join(argv or sys.argv[1:]),
                                        "summary": summary, "runs": rows}, indent=1))
    plot(rows, summary, Path(a.png))
    print(f"{'variant':12s} {'attention':>12s} {'params':>10s} {'vs hybrid':>9s} {'tokens':>9s} {'final val loss':>22s} {'tok/s':>7s}")
    for n, s in summary.items():
        print(f"{n:12s} {str(s['attention_layers']):>12s} {s['params']:>10,d} {s['params_vs_hybrid']:>+9.2%} {s['tokens']:>9,d} "
              f"{s['mean']:>8.3f} ± {s['std']:.3f} ({len(s['seeds'])})  {s['tokens_per_s']:>7.0f}")


if __name__ == "__main__":
    main()
