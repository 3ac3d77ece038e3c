"""PTRM-style test-time sampling on the trained CPU-research models: exact accuracy of the plain model against
`samples` passes (pass 0 plain, the others with Gaussian noise of std `noise` on z at every outer cycle) with the
Q head choosing per puzzle. Reads the runs that `bench/trm_cpu_research.py` trained (their last checkpoints); the
deep-supervised transformer has no recursion to perturb and is skipped.

    OMP_NUM_THREADS=1 python bench/ptrm_eval.py --runs outputs/trm_cpu_research --samples 8 --noise 0.05 0.2
"""
import argparse, json, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", default=str(ROOT / "outputs" / "trm_cpu_research"), help="trm_cpu_research.py's run folders")
    ap.add_argument("--samples", type=int, default=8, help="passes per puzzle, the plain one included")
    ap.add_argument("--noise", type=float, nargs="+", default=[0.05, 0.2], help="noise stds to try")
    ap.add_argument("--json", default="papers/figures/ptrm_cpu.json")
    a = ap.parse_args(argv)
    import numpy as np, torch
    from safetensors.torch import load_file
    from trm_cpu_research import data, model_config
    from reasoning_nb.models.puzzle import PuzzleModel
    from reasoning_nb.models.predict import predict, puzzle_metrics
    torch.set_num_threads(1)
    _, test = data()
    rows_all = np.arange(len(test))
    out = []
    for row in sorted(Path(a.runs).glob("*/row.json")):
        r = json.loads(row.read_text())
        if r["name"] == "transformer_ds": continue
        ck = next(row.parent.glob("checkpoints_*/last.safetensors"))
        model = PuzzleModel(model_config(r["name"], test))
        model.load_state_dict(load_file(ck)); model.eval()
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
