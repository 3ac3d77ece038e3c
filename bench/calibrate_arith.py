"""Accuracy of the frozen offline model on the arith generator, per operation count (phase 1 of the steering
pipeline without the rest): greedy answers to the bare questions, the same prompt and extractor as the pipeline.

    python bench/calibrate_arith.py --family expr --ops 3 4 --n 24 --max_new_tokens 32
"""
import argparse, json, time


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2")
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
    from tqdm.auto import tqdm
    from reasoning_nb.arith import load_problems, extract_answer, is_correct, accuracy, accuracy_by_ops
    from reasoning_nb.models.steering import load_lm, chat_prompt, generate_one
    torch.set_num_threads(1)
    lm, tok = load_lm(a.model)
    probs = load_problems("arith", a.n, a.seed, ops=a.ops, kinds=a.kinds, max_value=a.max_value, family=a.family)
    t0, rows = time.time(), []
    for p in tqdm(probs, desc="answers"):
        g = generate_one(lm, tok, chat_prompt(tok, p.question), a.max_new_tokens)
        pred = extract_answer(g.text)
        rows.append(dict(q=p.question, gold=p.answer, n_ops=p.n_ops, text=g.text, pred=pred, correct=is_correct(pred, p.answer)))
    ok = [r["correct"] for r in rows]
    res = dict(args=vars(a), all=accuracy(ok), by_ops=accuracy_by_ops(probs, ok), seconds=time.time() - t0, answers=rows)
    print(json.dumps({k: v for k, v in res.items() if k != "answers"}, indent=1))
    if a.out:
        with open(a.out, "w") as f: json.dump(res, f, indent=1)
    return res


if __name__ == "__main__":
    main(parse())
