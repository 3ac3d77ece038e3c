"""Issue 20, seed 001's controller variants on CPU: the GRU reading the whole stream or a sliding window
(`gru_input`), and static or state-emitted low-rank factors (`factors`), trained with the same steps, seed, problems
and teacher targets, then scored on the same held-out problems. The teacher targets (the same frozen model with the 2
worked examples) are computed once and shared; every controller starts from fresh weights (no probe
initialisation, unlike `run_steering`, so all variants start alike). Per variant: held-out accuracy (Wilson CI),
exact McNemar against the unsteered answers (`reasoning_nb.stats`), the held-out KL curve and `val_h0_entropy`
(matched H0 entropy of the steered states at the last layer) at each evaluation, and the mean gate.

    OMP_NUM_THREADS=1 nice -n 5 python bench/steering_variants.py --steps 20 --n_train 40 --n_eval 40 --out outputs/steering_variants

With `--gsm8k FILE`: only the first variant (the default, stream GRU input with static factors) is trained, its
weights saved, and it answers `steering_baselines.py --part gsm8k`'s 60 held-out GSM8K problems (the same draw and
prompt, greedy, `--gsm8k_tokens` new tokens): a transfer test of a controller trained on arithmetic.
"""
import argparse, json, time
from pathlib import Path
import torch
from tqdm.auto import tqdm

VARIANTS = {"stream_static": dict(gru_input="stream", factors="static"), "window_static": dict(gru_input="window", factors="static"),
            "stream_dynamic": dict(gru_input="stream", factors="dynamic"), "window_dynamic": dict(gru_input="window", factors="dynamic")}


def plot(res: dict, path):
    "Held-out KL and val_h0_entropy against steps, one line per variant"
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    for name, v in res["variants"].items():
        st = [e["step"] for e in v["curve"]]
        acc = v["accuracy"]["accuracy"]
        ax[0].plot(st, [e["val_loss"] for e in v["curve"]], marker="o", label=f"{name} (acc {acc:.3f})")
        ax[1].plot(st, [e["val_h0_entropy"] for e in v["curve"]], marker="o", label=name)
    ax[0].set_title("held-out KL(teacher || steered) per token"); ax[1].set_title("val_h0_entropy (matched, last layer)")
    for a in ax: a.set_xlabel("step"); a.legend(fontsize=7)
    fig.tight_layout(); fig.savefig(path, dpi=100); plt.close(fig)


def train_variant(p, m, name: str, tr_ex, ev_ex, out: Path):
    "(controller settings, the engine's summary, its task) of variant `name`, trained from fresh weights with seed p.engine.seed"
    from reasoning_nb.torch_utils import seed_everything
    cfg = p.steering.replace(d_model=m.lm.config.hidden_size, **VARIANTS[name])
    seed_everything(p.engine.seed)
    fr, task = p.train_controller(m, cfg, tr_ex, ev_ex, None, None, out / name)
    return cfg, fr, task


def gsm8k_transfer(a, p, m, cfg, fr, task, out: Path):
    "The arithmetic-trained controller answering `steering_baselines.py --part gsm8k`'s held-out GSM8K problems, one at a time"
    from steering_baselines import gsm8k_split
    from reasoning_nb.train_steering import answer_all
    from reasoning_nb.arith import accuracy
    ctl = fr["model"].eval(); torch.save(ctl.state_dict(), out / f"{a.variants[0]}_controller.pt")
    held = gsm8k_split(a.gsm8k, p.n_shots, a.n_vec, a.n_gsm8k)[2]
    res = dict(args=vars(a), label="controller trained on arithmetic (40 problems, 20 KL steps), applied to GSM8K: a transfer test",
               steering=cfg.to_dict(), curve=[{k: e.get(k) for k in ("step", "val_loss")} for e in fr["eval_curve"]],
               kl_unsteered=task.unsteered, layer=m.layer, rows=[])
    for q in tqdm(held, desc="gsm8k steered"):
        c0 = time.process_time(); r = answer_all(m, [q], a.gsm8k_tokens, ctl, progress=False)[0]
        res["rows"].append(dict(q=q.question, gold=q.answer, text=r["g"].text, n=len(r["g"].ids), seconds=r["g"].seconds,
                                cpu_seconds=time.process_time() - c0, pred=r["pred"], correct=r["correct"], mean_gate=float(r["gates"].mean())))
        (out / "gsm8k_gru.json").write_text(json.dumps(res, indent=1, default=float))    # after every answer: a cut run keeps its rows
    res["accuracy"] = accuracy([r["correct"] for r in res["rows"]])
    (out / "gsm8k_gru.json").write_text(json.dumps(res, indent=1, default=float))
    print(json.dumps(dict(accuracy=res["accuracy"], tokens_per_cpu_s=sum(r["n"] for r in res["rows"]) / sum(r["cpu_seconds"] for r in res["rows"]))))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="steering_variants.py")
    ap.add_argument("--out", default="outputs/steering_variants")
    ap.add_argument("--steps", type=int, default=30); ap.add_argument("--batch_size", type=int, default=4)
    ap.add_argument("--n_train", type=int, default=80, help="the first n of the long run's 80 training problems")
    ap.add_argument("--n_eval", type=int, default=60, help="the first n of the long run's 120 held-out problems")
    ap.add_argument("--plot_only", action="store_true", help="redraw variants.png from an existing variants.json")
    ap.add_argument("--variants", nargs="+", default=["stream_static", "window_static", "stream_dynamic"], choices=list(VARIANTS))
    ap.add_argument("--gsm8k", default="", help="a GSM8K JSONL file: train the first variant only, then answer steering_baselines.py "
                    "--part gsm8k's held-out problems with it (a transfer test; no arithmetic answers)")
    ap.add_argument("--n_gsm8k", type=int, default=60); ap.add_argument("--n_vec", type=int, default=20, help="as steering_baselines.py's")
    ap.add_argument("--gsm8k_tokens", type=int, default=160, help="new tokens per GSM8K answer")
    a = ap.parse_args(argv)
    if a.plot_only: return plot(json.loads((Path(a.out) / "variants.json").read_text()), Path(a.out) / "variants.png")
    from reasoning_nb.engine import EngineConfig, OptimConfig
    from reasoning_nb.train_steering import SteeringParams, answer_all
    from reasoning_nb.arith import accuracy
    from reasoning_nb.stats import mcnemar
    torch.set_num_threads(1)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True); t0, c0 = time.time(), time.process_time()
    p = SteeringParams(n_train=80, n_eval=120, max_new_tokens=32, matched_len=12, engine=EngineConfig(
        steps=a.steps, batch_size=a.batch_size, optim=OptimConfig(lr=1e-3, weight_decay=0.0), output_dir=str(out)))
    m = p.load_models(); shots, train_p, eval_p = p.problems(); train_p, eval_p = train_p[:a.n_train], eval_p[:a.n_eval]
    tr_ex, ev_ex = p.teacher_targets(m, train_p, shots, "teacher train"), p.teacher_targets(m, eval_p, shots, "teacher held-out")
    if a.gsm8k: return gsm8k_transfer(a, p, m, *train_variant(p, m, a.variants[0], tr_ex, ev_ex, out), out)
    before = [r["correct"] for r in answer_all(m, eval_p, p.max_new_tokens, desc="unsteered")]
    res = dict(args=vars(a), n_train=len(train_p), n_eval=len(eval_p), unsteered=accuracy(before), variants={})
    for name in a.variants:
        c1 = time.process_time(); cfg, fr, task = train_variant(p, m, name, tr_ex, ev_ex, out)
        steered = answer_all(m, eval_p, p.max_new_tokens, fr["model"].eval(), desc=name)
        after = [r["correct"] for r in steered]
        res["variants"][name] = dict(steering=cfg.to_dict(), accuracy=accuracy(after), vs_unsteered=mcnemar(before, after),
                                     kl_unsteered=task.unsteered, h0_unsteered=task.h0_unsteered,
                                     curve=[{k: e.get(k) for k in ("step", "val_loss", "val_h0_entropy")} for e in fr["eval_curve"]],
                                     mean_gate=float(torch.cat([r["gates"] for r in steered]).mean()), cpu_s=time.process_time() - c1,
                                     correct=after)
        print(json.dumps({name: (round(res["variants"][name]["accuracy"]["accuracy"], 3), res["variants"][name]["curve"][-1])}), flush=True)
    names = list(res["variants"])
    res["pairs"] = {f"{x}_vs_{y}": mcnemar(res["variants"][x]["correct"], res["variants"][y]["correct"]) for i, x in enumerate(names) for y in names[i + 1:]}
    res.update(unsteered_correct=before, wall_s=time.time() - t0, cpu_s=time.process_time() - c0)
    (out / "variants.json").write_text(json.dumps(res, indent=1, default=float)); plot(res, out / "variants.png")


if __name__ == "__main__":
    main()
