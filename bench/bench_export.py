"""CPU export benchmark: a small TRM trained on 5x5 mazes (or loaded from its checkpoint), then exact-solve accuracy and
puzzles/s on the CPU of the float model and its INT8 dynamic quantisation, and the halting agreement of the 1-bit and
spiking conversions of its Q head with the float head.

    OMP_NUM_THREADS=1 python bench/bench_export.py                       # trains once (about 10 min on 1 shared thread), then measures
    OMP_NUM_THREADS=1 python bench/bench_export.py --out papers/figures/export_cpu.json

A second call with the same --out_dir loads the trained checkpoint instead of training. Accuracy is on every test maze
(held out, never seen in training), every supervision step run (eval_halting "all"); puzzles/s is the best of
--repeats passes over them. The copy-the-input baseline is printed beside the accuracies (its exact accuracy is 0:
every maze needs its path drawn). Halting agreement is measured on the answer states y of every supervision step of
every test maze: the fraction of states where the converted head halts (q_halt > 0) iff the float head does, beside
the agreement of the constant decision the float head makes most often; and, since a small model's head may never
halt, the same agreement at the float head's median q_halt (chance 0.5) and the correlation of the q_halt values.
A speed-only table follows: untrained models of larger widths on the same mazes, float vs INT8 puzzles/s.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
from reasoning_nb.checkpoint import ckpt_paths, load_checkpoint
from reasoning_nb.models.export import (quantize_int8, linear_weight_bytes, cpu_benchmark, binarize, spiking_q_head,
                                        halting_agreement)
from reasoning_nb.models.predict import to_batch
from reasoning_nb.models.puzzle import PuzzleModel, count_params
from reasoning_nb.train_puzzles import PuzzleParams, train_puzzles

DATA = dict(dataset="maze", maze_size=5, n_train=400, n_test=200, n_aug=3, min_path_len=3)   # 5x5 mazes, data seed 0


def settings(a) -> PuzzleParams:
    "The benchmark model's training, as the pipeline's settings"
    return PuzzleParams.from_flat(DATA | dict(d_model=a.d_model, n_heads=4, H_cycles=2, L_cycles=2, halt_max_steps=a.halt_max_steps,
                                              steps=a.steps, batch_size=32, eval_interval=a.steps, ckpt_interval=a.steps, device="cpu",
                                              seed=a.seed, lr=3e-3, warmup_steps=20, eval_size=None, n_pictures=2, output_dir=a.out_dir))


def trained_model(a, tr, te):
    "Train (or load) the benchmark model -> (model, training seconds or None when loaded)"
    s = settings(a)
    mcfg = s.make_task(tr, te).cfg
    stem = Path(a.out_dir) / "checkpoints_maze_trm" / "last"
    t = None
    if not ckpt_paths(stem)["weights"].exists():
        t0 = time.perf_counter()
        train_puzzles(s, tr, te, progress=True)
        t = time.perf_counter() - t0
    model = PuzzleModel(mcfg)
    load_checkpoint(stem, model=model)
    return model.eval(), t


@torch.no_grad()
def answer_states(model, ds, rows, batch_size=100):
    "y of every supervision step of every row: [rows * halt_max_steps, T, D]"
    ys = []
    for s in range(0, len(rows), batch_size):
        batch = to_batch(ds, rows[s:s + batch_size], "cpu")
        carry = model.initial_carry(batch)
        for _ in range(model.act_cfg.halt_max_steps):
            carry, _ = model(carry, batch); ys.append(carry.y)
    return torch.cat(ys)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out_dir", default="outputs/bench_export", help="where the model is trained / loaded from")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--d_model", type=int, default=64)
    p.add_argument("--halt_max_steps", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch_size", type=int, default=100, help="puzzles per inference batch")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--widths", default="128,256,512", help="widths for the speed-only comparison ('' = none)")
    p.add_argument("--out", default=None, help="JSON file for the results")
    a = p.parse_args(argv)
    s = settings(a)
    tr, te = s.kind.build(s.data_config())
    model, train_s = trained_model(a, tr, te)
    rows = np.arange(len(te))
    int8 = quantize_int8(model)
    res = {"threads": torch.get_num_threads(), "torch": torch.__version__, "params": count_params(model), "train_seconds": train_s,
           "test_puzzles": len(te), "args": vars(a)}
    print(f"TRM d={a.d_model}, {res['params']:,} parameters, {len(te)} held-out 5x5 mazes, {a.halt_max_steps} supervision steps, "
          f"torch {torch.__version__}, {res['threads']} thread(s)" + (f"; trained in {train_s:.0f} s" if train_s else "; loaded"))
    print(f"{'model':<8} {'exact':>7} {'cell':>7} {'changed':>8} {'puzzles/s':>10} {'linear weights':>15}")
    for name, m in (("float32", model), ("int8", int8)):
        r = cpu_benchmark(m, te, rows, batch_size=a.batch_size, repeats=a.repeats)
        res[name] = {k: v for k, v in r.items() if k != "preds"} | {"linear_weight_bytes": linear_weight_bytes(m)}
        res[name + "_preds"] = r["preds"]
        print(f"{name:<8} {r['exact_accuracy']:>7.3f} {r['cell_accuracy']:>7.3f} {r['changed_accuracy']:>8.3f} "
              f"{r['puzzles_per_s']:>10.1f} {linear_weight_bytes(m) / 1024:>12.1f} KiB")
    f, q = res["float32"], res["int8"]
    same = float((res.pop("float32_preds") == res.pop("int8_preds")).all(1).mean())
    res["int8_vs_float"] = {"exact_ratio": q["exact_accuracy"] / f["exact_accuracy"] if f["exact_accuracy"] else None,
                            "speedup": q["puzzles_per_s"] / f["puzzles_per_s"], "same_answer": same}
    print(f"baselines: copy input cell {f['copy_cell_accuracy']:.3f}, exact {f['copy_exact_accuracy']:.3f}; "
          f"majority label on changed cells {f['majority_changed_accuracy']:.3f}")
    print(f"int8 / float exact accuracy {res['int8_vs_float']['exact_ratio']}, speed-up x{res['int8_vs_float']['speedup']:.2f}, "
          f"same answer on {same:.3f} of puzzles")

    ys = answer_states(model, te, rows)
    heads = {"1-bit": binarize(model.q_head)}
    for steps in (16, 64, 256):
        heads[f"spiking T={steps}"] = spiking_q_head(model.q_head, ys, steps=steps)
    heads["spiking T=64 beta=0.9"] = spiking_q_head(model.q_head, ys, steps=64, beta=0.9)
    res["halting"] = {}
    print(f"halting agreement with the float Q head on {len(ys)} answer states:")
    for name, h in heads.items():
        r = halting_agreement(model.q_head, h, ys)
        with torch.no_grad(): qf, qc = model.q_head(ys)[0], h(ys)[0].float()
        t = qf.median()                                                   # a boundary the float head puts half the states on each side of
        r |= {"q_halt_corr": float(torch.corrcoef(torch.stack([qf, qc]))[0, 1]),
              "agreement_at_median": float(((qf > t) == (qc > t)).float().mean()), "median_q_halt": float(t)}
        res["halting"][name] = r
        print(f"  {name:<22} {r['agreement']:.3f}   (halt rate float {r['ref_halt_rate']:.3f}, converted {r['other_halt_rate']:.3f}; "
              f"constant decision {r['constant_baseline']:.3f}); at the float median q_halt {r['agreement_at_median']:.3f} "
              f"(chance 0.5); q_halt correlation {r['q_halt_corr']:.3f}")
    res["throughput"] = []
    if a.widths:
        print(f"speed only (untrained weights, same mazes, {a.halt_max_steps} steps):")
        print(f"{'width':>6} {'params':>10} {'float p/s':>10} {'int8 p/s':>10} {'speed-up':>9}")
    for w in (int(x) for x in a.widths.split(",") if x):
        torch.manual_seed(0)
        m = PuzzleModel(model.cfg.replace(net=model.cfg.net.replace(d_model=w, n_heads=8))).eval()
        sub = rows[:a.batch_size]
        pf, pq = (cpu_benchmark(x, te, sub, batch_size=a.batch_size, repeats=a.repeats)["puzzles_per_s"]
                  for x in (m, quantize_int8(m)))
        res["throughput"].append({"d_model": w, "params": count_params(m), "float_puzzles_per_s": pf, "int8_puzzles_per_s": pq})
        print(f"{w:>6} {count_params(m):>10,} {pf:>10.1f} {pq:>10.1f} {pq / pf:>9.2f}", flush=True)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
