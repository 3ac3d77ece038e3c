"""Issue 20 s1-2, the measurements: the frozen model's answers to the steering study's problems with what every
baseline needs, and the held-out problems answered by the few-shot teacher and a static mean-difference vector.

Part `answers` (20.1): greedy answers (the long run's settings: SmolLM2, bare question, `max_new_tokens`) with, per
answer, the mean residual after each of `--layers` over the first k answer tokens (the probe's inputs), each
token's log-probability and next-token entropy (one teacher-forced pass), and the TDA features of the last layer's
cloud of the first k tokens. Part `baselines` (20.2): on the held-out problems, the teacher (the same model with the
worked examples in its prompt) and the static vector v = mean over training problems of (layer-`L` residual at the
worked solution's tokens with the examples in the prompt - without), added after layer L at every position, scaled
by each of `--alphas`. Writes `answers.pt` and `baselines.json` under `--out`; `bench/steering_baselines_report.py`
turns them into the tables.

    OMP_NUM_THREADS=1 nice -n 5 python bench/steering_baselines.py --part answers --out outputs/steering_baselines
"""
import argparse, json, time
from pathlib import Path
import numpy as np, torch
from tqdm.auto import tqdm

KS = (1, 2, 4, 8, 16, 32)


def token_stats(lm, ids: list[int], n: int) -> tuple[list[float], list[float]]:
    "(log-probability of each of the last n tokens of `ids`, entropy of the distribution it was drawn from)"
    with torch.no_grad():
        logits = lm(torch.tensor([ids], device=lm.device)).logits[0, len(ids) - n - 1:len(ids) - 1].float()
    lp = logits.log_softmax(-1)
    tok = torch.tensor(ids[len(ids) - n:], device=lp.device)
    return lp.gather(1, tok[:, None])[:, 0].tolist(), (-(lp.exp() * lp).sum(-1)).tolist()


def answers_part(a, m, problems, layers):
    from reasoning_nb.models.steering import chat_prompt
    from reasoning_nb.frozen_lm import generate
    from reasoning_nb.arith import extract_answer, is_correct
    from reasoning_nb.analysis.tda import tda_features
    rows = []
    for p in tqdm(problems, desc="frozen answers"):
        prompt = chat_prompt(m.tok, p.question)
        g = generate(m.lm, m.tok, prompt, a.max_new_tokens, record=sorted(set(layers) | {m.tda_layer}))
        pids = m.tok(prompt, add_special_tokens=False).input_ids
        lp, ent = token_stats(m.lm, pids + g.ids, len(g.ids))
        n = len(g.ids)
        means = {l: torch.stack([g.residuals[l][:min(k, n)].mean(0) for k in KS]).half() for l in layers}   # (len(KS), d)
        cloud = g.residuals[m.tda_layer].numpy()
        tda = {k: tda_features(cloud[:k], m=a.matched_len) if min(k, n) >= 3 else None for k in KS}
        pred = extract_answer(g.text)
        rows.append(dict(q=p.question, gold=p.answer, n_ops=p.n_ops, text=g.text, n=n, seconds=g.seconds, logp=lp, entropy=ent,
                         means=means, tda=tda, correct=is_correct(pred, p.answer)))
    return rows


def static_vector(m, shots, train, layer):
    "Mean over `train` of (layer residual at the worked solution's tokens, prompt with `shots` - bare prompt): [d]"
    from reasoning_nb.models.steering import chat_prompt
    from reasoning_nb.frozen_lm import recorded
    diffs = []
    for p in tqdm(train, desc="static vector"):
        sol = m.tok(p.solution, add_special_tokens=False).input_ids
        side = []
        for ctx in (shots, []):
            ids = m.tok(chat_prompt(m.tok, p.question, ctx), add_special_tokens=False).input_ids + sol
            with torch.no_grad(), recorded(m.lm, [layer]) as rec: m.lm(torch.tensor([ids], device=m.lm.device))
            side.append(rec[layer][0][0, -len(sol):].float().mean(0))
        diffs.append(side[0] - side[1])
    return torch.stack(diffs).mean(0)


class AddVector:
    "Forward hook adding alpha * v to a decoder layer's output at every position"
    def __init__(self, v): self.v = v
    def __call__(self, module, args, output):
        from reasoning_nb.frozen_lm import stream
        h = stream(output) + self.v.to(stream(output))
        return (h, *output[1:]) if isinstance(output, tuple) else h


def answer_rows(m, problems, max_new_tokens, shots=(), hooks=None, desc="", batch_size=16):
    "Greedy answers to `problems` (batched, `generate_batch`): text, tokens, seconds and CPU-seconds (the batch's, shared), correct"
    from reasoning_nb.models.steering import chat_prompt
    from reasoning_nb.frozen_lm import generate_batch
    from reasoning_nb.arith import extract_answer, is_correct
    print(desc, flush=True)
    gs = generate_batch(m.lm, m.tok, [chat_prompt(m.tok, p.question, list(shots)) for p in problems], max_new_tokens, hooks=hooks,
                        batch_size=batch_size, progress=True)
    return [dict(q=p.question, gold=p.answer, text=g.text, n=len(g.ids), seconds=g.seconds, cpu_seconds=g.cpu_seconds,
                 correct=is_correct(extract_answer(g.text), p.answer)) for p, g in zip(problems, gs)]


def most_frequent(problems) -> dict:
    "The trivial baseline: always answer the most frequent gold answer of `problems` (chosen in hindsight, an upper bound)"
    from collections import Counter
    gold, k = Counter(p.answer for p in problems).most_common(1)[0]
    return dict(answer=gold, correct=[p.answer == gold for p in problems])


def gsm8k_split(path, n_shots: int, n_vec: int, n_held: int) -> tuple[list, list, list]:
    "One seeded draw (seed 0) from the GSM8K file, cut into disjoint (worked examples, vector problems, held-out problems)"
    from reasoning_nb.arith import load_problems
    probs = load_problems(path, n_shots + n_vec + n_held, 0)
    return [(q.question, q.solution) for q in probs[:n_shots]], probs[n_shots:n_shots + n_vec], probs[n_shots + n_vec:]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="steering_baselines.py")
    ap.add_argument("--part", choices=["answers", "baselines", "gsm8k"], required=True)
    ap.add_argument("--out", default="outputs/steering_baselines")
    ap.add_argument("--n_train", type=int, default=80); ap.add_argument("--n_eval", type=int, default=120)
    ap.add_argument("--max_new_tokens", type=int, default=32); ap.add_argument("--matched_len", type=int, default=12)
    ap.add_argument("--layers", type=int, nargs="+", default=[4, 10, 16, 22, 29])
    ap.add_argument("--n_arm", type=int, default=0, help="parts baselines/gsm8k: only the first n held-out problems (0: all)")
    ap.add_argument("--n_vec", type=int, default=20, help="training problems the static vector is averaged over")
    ap.add_argument("--alphas", type=float, nargs="+", default=[1.0])
    ap.add_argument("--static_layers", type=int, nargs="+", default=None, help="layers the static vector is built at and added after (default: the hook layer)")
    ap.add_argument("--batch_size", type=int, default=16, help="prompts per generation batch")
    ap.add_argument("--arms", nargs="+", default=["unsteered", "teacher", "static"], choices=["unsteered", "teacher", "static"])
    ap.add_argument("--which", choices=["all", "held_out"], default="all", help="part answers: every problem or the held-out ones")
    ap.add_argument("--gsm8k", default="../shared/data/gsm8k/test.jsonl"); ap.add_argument("--n_gsm8k", type=int, default=60,
                    help="part gsm8k: held-out problems (after the 2 worked examples and the n_vec vector problems, one seeded draw)")
    a = ap.parse_args(argv)
    from reasoning_nb.train_steering import SteeringParams
    from reasoning_nb.frozen_lm import decoder_layers
    torch.set_num_threads(1)
    p = SteeringParams(n_train=a.n_train, n_eval=a.n_eval, max_new_tokens=a.max_new_tokens, matched_len=a.matched_len)
    m = p.load_models(); shots, train, held = p.problems()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True); t0 = time.time()
    if a.part == "answers":
        rows = answers_part(a, m, (train if a.which == "all" else []) + held, a.layers)
        torch.save(dict(rows=rows, ks=KS, layers=a.layers, tda_layer=m.tda_layer, args=vars(a)), out / "answers.pt")
        print(json.dumps(dict(n=len(rows), correct=sum(r["correct"] for r in rows), wall_s=round(time.time() - t0))))
        return
    if a.part == "gsm8k": shots, train, held = gsm8k_split(a.gsm8k, len(shots), a.n_vec, a.n_gsm8k)
    held = held[:a.n_arm] if a.n_arm else held
    from reasoning_nb.frozen_lm import generate_batch
    generate_batch(m.lm, m.tok, ["Hi.", "Hello there."], 4)                         # warm-up: the first call is slow
    res = dict(args=vars(a), layer=m.layer, n_layers=len(decoder_layers(m.lm)), arms={}, trivial=most_frequent(held), static_norm={},
               shots=[q for q, _ in shots], vector_questions=[q.question for q in train[:a.n_vec]])
    run = lambda name, **kw: res["arms"].__setitem__(name, answer_rows(m, held, a.max_new_tokens, desc=name, batch_size=a.batch_size, **kw))
    if "unsteered" in a.arms: run("unsteered")
    if "teacher" in a.arms: run("teacher", shots=shots)
    if "static" in a.arms:
        for layer in a.static_layers or [m.layer]:
            v = static_vector(m, shots, train[:a.n_vec], layer); res["static_norm"][layer] = float(v.norm())
            for al in a.alphas: run(f"static_L{layer}_x{al:g}", hooks={layer: AddVector(al * v)})
    res["wall_s"] = round(time.time() - t0)
    (out / f"{a.part}.json").write_text(json.dumps(res, indent=1))
    print(json.dumps({k: sum(r["correct"] for r in v) for k, v in res["arms"].items()}))
    print(json.dumps({k: round(sum(r["n"] for r in v) / sum(r["cpu_seconds"] for r in v), 2) for k, v in res["arms"].items()}))


if __name__ == "__main__":
    main()
