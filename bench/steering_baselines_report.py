"""Issue 20 s1-2, the tables: reads what `bench/steering_baselines.py` wrote (and the long steering run's results for
the GRU controller's held-out answers) and writes `report.json` and `report.png` under `--out`.

20.1: AUROC (label: correct) with percentile-bootstrap CIs of answer length, mean token log-probability, mean
next-token entropy, TDA features of the last layer and a cross-validated logistic-regression probe (C = 0.01) on the mean
residual of the first k answer tokens, after k tokens and at several layers; each alone and combined with length
(an out-of-fold logistic stack), and probe vs probe + TDA, paired. Orientations are fixed beforehand (shorter,
more confident, lower entropy or fewer bars -> correct). 20.2: accuracy with Wilson CIs, exact McNemar tests from
`reasoning_nb.stats`, tokens/s, per arm.

    python bench/steering_baselines_report.py --out outputs/steering_baselines
"""
import argparse, json
from pathlib import Path
import numpy as np, torch

SIGN = dict(length=-1, logp=1, entropy=-1, h0_entropy=-1, h0_entropy_norm=-1, h0_entropy_matched=-1, h1_count=-1, h1_total=-1)
TDA = ("h0_entropy", "h0_entropy_norm", "h1_count", "h1_total")


def oof(X, y, seed=0):
    "Out-of-fold P(correct) of a standardised L2 logistic regression (C = 0.01, fixed beforehand) over 5 stratified folds"
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    lr = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
    return cross_val_predict(lr, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=seed), method="predict_proba")[:, 1]


def scalar(rows, key, k):
    "Per answer, feature `key` of the first min(k, n) tokens, oriented so that high means correct"
    if key == "length": v = [min(r["n"], k) for r in rows]
    elif key in ("logp", "entropy"): v = [float(np.mean(r[key][:k])) for r in rows]
    else: v = [(r["tda"][k] or {}).get(key, np.nan) for r in rows]
    return SIGN[key] * np.asarray(v, dtype=np.float64)


def probe_table(rows, ks, layers, n_boot):
    from reasoning_nb.stats import auroc_ci, auroc_diff
    y = np.array([r["correct"] for r in rows]); out = {}
    for j, k in enumerate(ks):
        length = scalar(rows, "length", k)[:, None]
        feats = {key: scalar(rows, key, k) for key in SIGN}
        res = {}
        for key, v in feats.items():
            if not np.isfinite(v).all(): continue
            res[key] = auroc_ci(v, y, n_boot)
            if key != "length": res[f"{key}+length"] = auroc_ci(oof(np.c_[v, length], y), y, n_boot)
        for l in layers:
            p = oof(torch.stack([r["means"][l][j] for r in rows]).float().numpy(), y)
            res[f"probe_L{l}"] = auroc_ci(p, y, n_boot)
            logit = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1))[:, None]
            if all(np.isfinite(feats[t]).all() for t in TDA):
                tda = np.c_[[feats[t] for t in TDA]].T
                both = oof(np.c_[logit, tda], y)
                res[f"probe_L{l}+tda"] = auroc_ci(both, y, n_boot)
                res[f"probe_L{l}+tda_vs_probe"] = auroc_diff(p, both, y, n_boot)
                res[f"probe_L{l}+length+tda_vs_probe+length"] = auroc_diff(oof(np.c_[logit, length], y), oof(np.c_[logit, length, tda], y), y, n_boot)
        out[k] = res
    return out


def matched_table(rows, layers, k, n_boot):
    "Answers of at least k tokens, features of exactly their first k tokens: no length information beyond '>= k'"
    keep = [r for r in rows if r["n"] >= k]
    ks = list(rows[0]["tda"]) if rows else []
    j = ks.index(k) if k in ks else None
    from reasoning_nb.stats import auroc_ci
    y = np.array([r["correct"] for r in keep]); res = dict(n=len(keep), n_correct=int(y.sum()))
    if j is None or not 0 < y.sum() < len(y): return res
    for key in ("logp", "entropy") + TDA + ("h0_entropy_matched",):
        v = scalar(keep, key, k)
        if np.isfinite(v).all(): res[key] = auroc_ci(v, y, n_boot)
    for l in layers: res[f"probe_L{l}"] = auroc_ci(oof(torch.stack([r["means"][l][j] for r in keep]).float().numpy(), y), y, n_boot)
    return res


def arms_table(arms: dict, speeds: dict):
    from reasoning_nb.arith import accuracy
    from reasoning_nb.stats import mcnemar
    out = {}
    for name, correct in arms.items():
        out[name] = dict(accuracy=accuracy(correct), tokens_per_s=speeds.get(name),
                         vs_unsteered=mcnemar(arms["unsteered"], correct) if name != "unsteered" else None,
                         vs_gru=mcnemar(arms["gru"], correct) if "gru" in arms and name != "gru" else None)
    return out


def gru_rows(path, qs: list[str]) -> list[dict]:
    "The per-answer rows of `steering_variants.py --gsm8k`'s JSON in the order of questions `qs` (all of them must be there)"
    rows = {r["q"]: r for r in json.loads(Path(path).read_text())["rows"]}
    missing = [q for q in qs if q not in rows]
    if missing: raise ValueError(f"gru_json: {len(missing)} of the {len(qs)} questions have no answer there, e.g. {missing[0][:60]!r}")
    return [rows[q] for q in qs]


def arms_file(path, long_run, gru_json="") -> dict:
    """The arms table of one `baselines.json` / `gsm8k.json` alone: accuracy, McNemar vs unsteered (and vs the GRU: the long
    run's where its questions match, or `gru_json`'s steered answers), tokens/s per wall- and CPU-second, and the trivial baseline"""
    from reasoning_nb.arith import accuracy
    from reasoning_nb.stats import mcnemar
    b = json.loads(Path(path).read_text()); arms = {k: [r["correct"] for r in v] for k, v in b["arms"].items()}
    qs = [r["q"] for r in b["arms"]["unsteered"]]; long = json.loads(Path(long_run).read_text())
    la = {x["q"]: x for x in long["answers"]}
    if all(q in la for q in qs) and qs: arms["gru"] = [la[q]["correct_after"] for q in qs]
    rows = dict(b["arms"], **({"gru": gru_rows(gru_json, qs)} if gru_json else {}))
    if gru_json: arms["gru"] = [r["correct"] for r in rows["gru"]]
    tab = arms_table(arms, {k: sum(r["n"] for r in v) / sum(r["seconds"] for r in v) for k, v in rows.items()})
    for k, v in rows.items():
        tab[k].update(tokens_per_cpu_s=sum(r["n"] for r in v) / sum(r["cpu_seconds"] for r in v), mean_tokens=float(np.mean([r["n"] for r in v])))
    same = [la[q]["before"] == r["text"] for q, r in zip(qs, b["arms"]["unsteered"]) if q in la]
    triv = b.get("trivial")
    return dict(source=str(path), n=len(qs), arms=tab, static_norm=b.get("static_norm"), same_as_long_run_before=dict(identical_text=int(sum(same)), of=len(same)),
                trivial=dict(answer=triv["answer"], accuracy=accuracy(triv["correct"]), vs_unsteered=mcnemar(arms["unsteered"], triv["correct"])) if triv else None)


def plot(probe, arms, path):
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2, figsize=(11, 4)) if probe else plt.subplots(1, 1, figsize=(max(6, len(arms)), 4))
    ax = ax if probe else [None, ax]; ks = sorted(probe, key=int)
    for key in ["length", "logp", "entropy", "h0_entropy", "probe_L4", "probe_L16", "probe_L29", "probe_L29+tda"]:
        pts = [(int(k), probe[k][key]) for k in ks if key in probe[k]]
        if not pts: continue
        x = [k for k, _ in pts]; a = np.array([r["auroc"] for _, r in pts]); ci = np.array([r["ci"] for _, r in pts])
        ax[0].errorbar(x, a, yerr=[a - ci[:, 0], ci[:, 1] - a], label=key, capsize=2, marker="o")
    if probe: ax[0].axhline(0.5, color="grey", lw=0.5); ax[0].set_xscale("log", base=2); ax[0].set_xlabel("answer tokens seen (k)")
    if probe: ax[0].set_ylabel("AUROC for correct"); ax[0].legend(fontsize=7); ax[0].set_title("correctness from the first k tokens")
    if arms:
        names = list(arms); acc = np.array([arms[n]["accuracy"]["accuracy"] for n in names])
        lo = np.array([arms[n]["accuracy"]["ci_low"] for n in names]); hi = np.array([arms[n]["accuracy"]["ci_high"] for n in names])
        ax[1].bar(names, acc, yerr=[acc - lo, hi - acc], capsize=3); ax[1].set_title(f"held-out accuracy (n={arms[names[0]]['accuracy']['n']})")
        ax[1].tick_params(axis="x", rotation=20)
    fig.tight_layout(); fig.savefig(path, dpi=100); plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="steering_baselines_report.py")
    ap.add_argument("--out", default="outputs/steering_baselines")
    ap.add_argument("--long_run", default="papers/figures/steering_long_results.json")
    ap.add_argument("--arms_only", action="store_true", help="keep the AUROC tables of an earlier report.json, redo the arms")
    ap.add_argument("--arms_json", default="", help="only the arms table of this baselines.json / gsm8k.json (into <its stem>_report.json, .png)")
    ap.add_argument("--gru_json", default="", help="with --arms_json: the GRU arm from `steering_variants.py --gsm8k`'s answers")
    ap.add_argument("--n_boot", type=int, default=2000); ap.add_argument("--matched", type=int, default=16)
    a = ap.parse_args(argv)
    if a.arms_json:
        rep = arms_file(a.arms_json, a.long_run, a.gru_json); f = Path(a.arms_json); stem = f.with_name(f.stem + "_report")
        stem.with_suffix(".json").write_text(json.dumps(rep, indent=1, default=float)); plot({}, rep["arms"], stem.with_suffix(".png"))
        print(json.dumps({k: (round(v["accuracy"]["accuracy"], 3), (v["vs_unsteered"] or {}).get("p")) for k, v in rep["arms"].items()}))
        return
    out = Path(a.out); d = torch.load(out / "answers.pt", weights_only=False); rows = d["rows"]
    if a.arms_only: rep = json.loads((out / "report.json").read_text())
    else: rep = dict(n=len(rows), n_correct=sum(r["correct"] for r in rows), layers=d["layers"], ks=list(d["ks"]), n_boot=a.n_boot,
                     probe=probe_table(rows, d["ks"], d["layers"], a.n_boot), matched=matched_table(rows, d["layers"], a.matched, a.n_boot))
    long = json.loads(Path(a.long_run).read_text())
    la = {x["q"]: x for x in long["answers"]}
    same = [r["q"] in la and la[r["q"]]["before"] == r["text"] for r in rows]
    rep["same_as_long_run_before"] = dict(identical_text=int(sum(same)), of=len(rows))
    bp = out / "baselines.json"
    if bp.exists():
        b = json.loads(bp.read_text()); qs = [r["q"] for r in b["arms"][next(iter(b["arms"]))]]
        byq = {r["q"]: r for r in rows}
        arms = {"unsteered": [byq[q]["correct"] for q in qs]}
        speeds = {"unsteered": sum(byq[q]["n"] for q in qs) / sum(byq[q]["seconds"] for q in qs)}
        for name, rs in b["arms"].items():
            if name == "unsteered": continue
            arms[name] = [r["correct"] for r in rs]; speeds[name] = sum(r["n"] for r in rs) / sum(r["seconds"] for r in rs)
        if all(q in la for q in qs): arms["gru"] = [la[q]["correct_after"] for q in qs]; speeds["gru"] = long["speed"]["tokens_per_s_after"]
        rep["arms"] = arms_table(arms, speeds); rep["static_norm"] = b.get("static_norm")
    (out / "report.json").write_text(json.dumps(rep, indent=1, default=float))
    plot(rep["probe"], rep.get("arms"), out / "report.png")
    print(json.dumps({k: {kk: round(vv["auroc"], 3) for kk, vv in v.items() if "auroc" in vv} for k, v in rep["probe"].items()}))


if __name__ == "__main__":
    main()
