"""PTRM-style test-time sampling on the trained CPU-research models: exact accuracy of the plain model against
`samples` passes (pass 0 plain, the others with Gaussian noise of std `noise` on z at every outer cycle) with the
Q head choosing per puzzle. Reads the runs that `bench/trm_cpu_research.py` trained (their last checkpoints); the
deep-supervised transformer has no recursion to perturb and is skipped.

    OMP_NUM_THREADS=1 python bench/ptrm_eval.py --runs outputs/trm_cpu_research --samples 8 --noise 0.05 0.2
    OMP_NUM_THREADS=1 python bench/ptrm_eval.py --study converge --samples 8 --noise 0.05 0.2 0.5   # the converged models

Runs trained with EMA are evaluated with their averaged weights (the ones their reported accuracy is of).
"""
import argparse, json, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--study", default="short", help="trm_cpu_research.py's study whose runs to read")
    ap.add_argument("--runs", default=None, help="trm_cpu_research.py's run folders (default: the study's)")
    ap.add_argument("--samples", type=int, default=8, help="passes per puzzle, the plain one included")
    ap.add_argument("--noise", type=float, nargs="+", default=[0.05, 0.2], help="noise stds to try")
    ap.add_argument("--json", default=None, help="default papers/figures/ptrm_cpu.json, or ptrm_cpu_<study>.json")
    a = ap.parse_args(argv)
    a.json = a.json or ("papers/figures/ptrm_cpu.json" if a.study == "short" else f"papers/figures/ptrm_cpu_{a.study}.json")
    import numpy as np, torch
    from safetensors.torch import load_file
    import trm_cpu_research as research
    research.use_study(a.study)
    data, model_config = research.data, research.model_config
    a.runs = a.runs or str(research.OUT)
    from reasoning_nb.models.puzzle import PuzzleModel
    from reasoning_nb.models.predict import predict, puzzle_metrics
    torch.set_num_threads(1)
    _, test = data()
    rows_all = np.arange(len(test))
    out = []
    for row in sorted(Path(a.runs).glob("*/row.json")):
        r = json.loads(row.read_text())
        if r["name"].startswith("transformer"): continue          # no recursion to perturb
        ck = next(row.parent.glob("checkpoints_*/last.safetensors"))
        model, state = PuzzleModel(model_config(r["name"], test)), load_file(ck)
        extra = torch.load(ck.with_suffix(".pt"), weights_only=True) if ck.with_suffix(".pt").exists() else {}
        if extra.get("ema"): state.update(extra["ema"]["shadow"])    # the averaged weights, as evaluated in training
        model.load_state_dict(state); model.eval()
        res = {"name": r["name"], "seed": r["seed"]}
        t0 = time.time()
        p = predict(model, test, rows_all)
        res["plain"] = puzzle_metrics(test, rows_all, p["preds"], p["conf"], p["steps"])["exact_accuracy"]
        res["plain_s"] = time.time() - t0
        for sd in a.noise:
            t0 = time.time()
            p = predict(model, test, rows_all, samples=a.samples, noise=sd, seed=1)
            res[f"noise_{sd}"] = puzzle_metrics(test, rows_all, p["preds"], p["conf"], p["steps"])["exact_accuracy"]
            res[f"noise_{sd}_s"] = time.time() - t0
        out.append(res)
        print(json.dumps(res), flush=True)
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps({"command": "python bench/ptrm_eval.py " + " ".join(argv or sys.argv[1:]),
                                        "samples": a.samples, "noise": a.noise, "n_test": len(test), "runs": out}, indent=1))
    names = sorted({r["name"] for r in out})
    print(f"{'config':14s} {'plain':>7s} " + " ".join(f"{'σ=' + str(s):>8s}" for s in a.noise) + "   (exact accuracy, mean over seeds)")
    for n in names:
        rs = [r for r in out if r["name"] == n]
        print(f"{n:14s} {np.mean([r['plain'] for r in rs]):7.3f} " + " ".join(f"{np.mean([r[f'noise_{s}'] for r in rs]):8.3f}" for s in a.noise))


if __name__ == "__main__":
    main()
