"""Flat TRM vs the coarse-to-fine TRM (nbs/16f_coarse_fine, issue 22 s3) on generated mazes, at equal parameters (the flat
model's width is chosen to match the 3-level model's parameter count) and equal training FLOPs (the trainer's own
count, `flops_per_step`: each arm runs budget // flops_per_step optimizer steps), 3 seeds each; exact and cell accuracy
on held-out mazes beside the copy-input and majority baselines.

    OMP_NUM_THREADS=1 nice -n 5 python bench/coarse_fine.py                       # the CPU sweep -> papers/figures/coarse_fine_cpu.{json,png}
    OMP_NUM_THREADS=1 python bench/coarse_fine.py --seeds 0 --budget 1e12 --out /tmp/cf.json   # a smaller look
    OMP_NUM_THREADS=1 python bench/coarse_fine.py --plan                          # widths, parameters, FLOPs per step, steps; trains nothing

Resumable: every finished run is stored in the JSON as it ends, and a rerun with the same settings skips it.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
from reasoning_nb.models.coarse_fine import make_puzzle_model
from reasoning_nb.models.puzzle import count_params, step_flops
from reasoning_nb.train_puzzles import PuzzleParams, train_puzzles

KEYS = ("exact_accuracy", "cell_accuracy", "changed_accuracy", "copy_cell_accuracy", "copy_exact_accuracy", "majority_cell_accuracy",
        "majority_exact_accuracy")


def settings(a, arm: dict, seed: int, steps: int) -> PuzzleParams:
    flat = dict(dataset="maze", maze_size=a.size, min_path_len=a.min_path_len, n_train=a.n_train, n_test=a.n_test, n_aug=a.n_aug,
                n_heads=2, n_layers=2, H_cycles=a.H_cycles, L_cycles=a.L_cycles, halt_max_steps=a.halt_max_steps, batch_size=a.batch_size,
                lr=a.lr, warmup_steps=min(50, max(1, steps // 10)), steps=steps, eval_interval=steps, ckpt_interval=steps, eval_size=None,
                n_pictures=0, device="cpu", seed=seed, output_dir=str(Path(a.work) / f"{arm['name']}_s{seed}"))
    return PuzzleParams.from_flat(flat | {k: v for k, v in arm.items() if k not in ("name", "n_params", "flops_per_step", "steps")})


def model_cfg(s: PuzzleParams, size: int): return s.model_config(vocab_size=6, seq_len=size * size)


def plan(a) -> list[dict]:
    "The two arms: the 3-level model at width a.d_model and the flat model at the width whose parameter count is nearest"
    c2f = dict(name="c2f", c2f_levels=3, c2f_factor=2, c2f_priority="3,4,5", d_model=a.d_model)
    target = count_params(make_puzzle_model(model_cfg(settings(a, c2f, 0, 1), a.size)))
    width = min(range(8, 257, 4), key=lambda d: abs(count_params(make_puzzle_model(model_cfg(settings(a, dict(name="flat", d_model=d), 0, 1), a.size))) - target))
    arms = [dict(name="flat", d_model=width), c2f]
    for arm in arms:
        cfg = model_cfg(settings(a, arm, 0, 1), a.size)
        arm |= dict(n_params=count_params(make_puzzle_model(cfg)), flops_per_step=step_flops(cfg, a.batch_size))
        arm["steps"] = int(a.budget // arm["flops_per_step"])
    return arms


def last_train(work: str, key: str) -> dict:
    "The last training record's token and level losses / accuracies of a run (from its metrics file)"
    path = Path(work) / key / "results" / "metrics_maze_trm.jsonl"
    recs = [json.loads(l) for l in path.read_text().splitlines() if '"train"' in l] if path.exists() else []
    return {k: v for k, v in recs[-1].items() if k in ("lm_loss", "coarse_loss") or k.startswith("level")} if recs else {}


def plot(out: Path, res: dict):
    import matplotlib.pyplot as plt
    runs = list(res["runs"].values())
    arms = [arm["name"] for arm in res["arms"]]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, k in zip(axes, ("exact_accuracy", "cell_accuracy")):
        for i, name in enumerate(arms):
            v = [r["final"][k] for r in runs if r["arm"] == name]
            ax.bar(i, np.mean(v) if v else 0, color="C%d" % i, alpha=0.6); ax.plot([i] * len(v), v, "ko")
        for b, ls in (("copy", "--"), ("majority", ":")):
            bv = [r["final"][f"{b}_{k}"] for r in runs]
            if bv: ax.axhline(np.mean(bv), color="gray", ls=ls, label=f"{b} baseline")
        ax.set_xticks(range(len(arms)), arms); ax.set_ylabel(f"test {k}"); ax.set_ylim(0, 1); ax.legend(); ax.grid(alpha=0.3)
    c = res["config"]
    fig.suptitle(f"{c['size']}x{c['size']} mazes, equal params and {c['budget']:.2g} training FLOPs, seeds {c['seeds']}")
    fig.tight_layout(); fig.savefig(out.with_suffix(".png"), dpi=100); plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=12); p.add_argument("--min_path_len", type=int, default=8)
    p.add_argument("--n_train", type=int, default=1000); p.add_argument("--n_test", type=int, default=200); p.add_argument("--n_aug", type=int, default=0)
    p.add_argument("--d_model", type=int, default=32, help="the 3-level model's width (the flat one's matches its parameters)")
    p.add_argument("--H_cycles", type=int, default=2); p.add_argument("--L_cycles", type=int, default=2); p.add_argument("--halt_max_steps", type=int, default=4)
    p.add_argument("--batch_size", type=int, default=32); p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--budget", type=float, default=8e12, help="training FLOPs of every run (the trainer's count)")
    p.add_argument("--seeds", default="0,1,2"); p.add_argument("--work", default="outputs/coarse_fine")
    p.add_argument("--out", default="papers/figures/coarse_fine_cpu.json"); p.add_argument("--plan", action="store_true")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    seeds, arms, out = [int(s) for s in a.seeds.split(",")], plan(a), Path(a.out)
    config = {k: v for k, v in vars(a).items() if k not in ("out", "plan", "work", "seeds")} | {"seeds": seeds}
    print(json.dumps(arms))
    if a.plan: return arms
    res = json.loads(out.read_text()) if out.exists() else {}
    if res.get("config", {}) | {"seeds": seeds} != config: res = {"runs": {}}           # other settings: start again
    res |= {"config": config, "arms": arms}
    train_set = test_set = None
    for seed in seeds:
        for arm in arms:
            key = f"{arm['name']}_s{seed}"
            if key in res["runs"]:
                res["runs"][key].setdefault("train_last", last_train(a.work, key)); print("skip", key); continue
            s = settings(a, arm, seed, arm["steps"])
            if train_set is None: train_set, test_set = s.kind.build(s.data_config())
            t = time.process_time()
            r = train_puzzles(s, train_set, test_set, progress=True)
            res["runs"][key] = {"arm": arm["name"], "seed": seed, "steps": r["step"], "train_flops": r["train_flops"], "n_params": r["n_params"],
                                "cpu_s": time.process_time() - t, "final": {k: r["final"][k] for k in KEYS},
                                "initial": {k: r["initial"][k] for k in KEYS} if r["initial"] else None,
                                "train_loss_last": r["train_curve"][-1]["lm_loss"] if r["train_curve"] else None,
                                "train_last": last_train(a.work, key)}
            print(key, json.dumps(res["runs"][key]))
            out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1) + "\n")
            plot(out, res)
    out.write_text(json.dumps(res, indent=1) + "\n"); plot(out, res)
    return res


if __name__ == "__main__":
    main()
