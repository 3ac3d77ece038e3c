"""Memory on/off on 5x5 mazes at CPU scale: the same TRM, seed and steps with and without the associative memory bank;
test accuracy, and the hit rate of the training reads (top slot written from the reader's own maze, i.e. from the
same maze or one of its dihedral copies) beside its chance level.

    OMP_NUM_THREADS=1 python bench/bench_memory_maze.py --out papers/figures/memory_maze_cpu.json

One seed, a few hundred steps: a smoke-scale measurement of what the bank does, not the ablation (that is
nbs/24_halting_ablation, 3 seeds at equal compute).
"""
import argparse, json, math
from pathlib import Path
import numpy as np
from reasoning_nb.train_puzzles import PuzzleParams, train_puzzles
from reasoning_nb.metrics import read_jsonl


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out_dir", default="outputs/bench_memory_maze")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--memory_slots", type=int, default=1024)
    p.add_argument("--replacement", default="lru")
    p.add_argument("--write_threshold", type=float, default=0.8)
    p.add_argument("--out", default=None)
    a = p.parse_args(argv)
    flat = dict(dataset="maze", maze_size=5, n_train=400, n_test=200, n_aug=3, min_path_len=3, d_model=64, n_heads=4, H_cycles=2,
                L_cycles=2, halt_max_steps=4, steps=a.steps, batch_size=32, eval_interval=a.steps, ckpt_interval=a.steps, device="cpu",
                seed=a.seed, lr=3e-3, warmup_steps=20, eval_size=None, n_pictures=0, memory_slots=a.memory_slots,
                replacement=a.replacement, write_threshold=a.write_threshold)
    rows = {}
    for name, on in (("off", False), ("on", True)):
        s = PuzzleParams.from_flat(flat | dict(use_memory=on, output_dir=str(Path(a.out_dir) / name)))
        tr, te = s.kind.build(s.data_config())
        mem = s.memory if on else None
        r = train_puzzles(s, tr, te, progress=True)
        row = {k: r["final"][k] for k in ("exact_accuracy", "cell_accuracy", "changed_accuracy", "copy_cell_accuracy",
                                          "majority_changed_accuracy")} | {"time_s": r["time_s"], "params": r["n_params"]}
        if mem is not None:
            recs = [x for x in read_jsonl(Path(r["paths"]["metrics"])) if x["kind"] == "train"]
            last = recs[-100:]
            mean = lambda k: float(np.mean([x[k] for x in last if x.get(k) is not None])) if any(x.get(k) is not None for x in last) else None
            row |= {"train_hit_rate_last100": mean("memory_hit_rate"), "train_hit_chance_last100": mean("memory_hit_chance"),
                    "writes": sum(x["memory_writes"] for x in recs), "filled_at_end": recs[-1]["memory_filled"],
                    "eval_hit_rate": r["final"].get("memory_hit_rate"), "memory": mem.to_dict()}
        rows[name] = row
        print(name, json.dumps(row), flush=True)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps({"args": vars(a), "rows": rows}, indent=1))
    return rows


if __name__ == "__main__":
    main()
