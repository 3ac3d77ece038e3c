"""Accuracy of the frozen offline model on the arith generator, per operation count (phase 1 of the steering
pipeline without the rest): greedy answers to the bare questions, by the pipeline's own `answer_all` (the same
prompt, decoder and extractor).

    python bench/calibrate_arith.py --family expr --ops 3 4 --n 24 --max_new_tokens 32
"""
import argparse, json, time


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--lm_dtype", default="float32", help="the LM's weights: float32, bfloat16, float16 or auto")
    ap.add_argument("--family", default="expr", choices=["expr", "story"])
    ap.add_argument("--ops", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--kinds", nargs="+", default=["add", "sub"])
    ap.add_argument("--max_value", type=int, default=9)
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--max_new_tokens", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="", help="write the result JSON here")
    return ap.parse_args(argv)


def main(a):
    import torch
    from reasoning_nb.arith import load_problems, accuracy, accuracy_by_ops
    from reasoning_nb.train_steering import SteeringParams, answer_all
    torch.set_num_threads(1)
    m = SteeringParams.from_flat({"model": a.model, "lm_dtype": a.lm_dtype, "device": "cpu"}).load_models()
    probs = load_problems("arith", a.n, a.seed, ops=a.ops, kinds=a.kinds, max_value=a.max_value, family=a.family)
    t0 = time.time()
    rows = [dict(q=p.question, gold=p.answer, n_ops=p.n_ops, text=r["g"].text, pred=r["pred"], correct=r["correct"])
            for p, r in zip(probs, answer_all(m, probs, a.max_new_tokens))]
    ok = [r["correct"] for r in rows]
    res = dict(args=vars(a), all=accuracy(ok), by_ops=accuracy_by_ops(probs, ok), seconds=time.time() - t0, answers=rows)
    print(json.dumps({k: v for k, v in res.items() if k != "answers"}, indent=1))
    if a.out:
        with open(a.out, "w") as f: json.dump(res, f, indent=1)
    return res


if __name__ == "__main__":
    main(parse())
