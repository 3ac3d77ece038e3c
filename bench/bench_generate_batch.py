"""Tokens per CPU-second of SmolLM2's greedy answers one prompt at a time (`generate`) against `generate_batch` at a
few batch sizes, on the steering study's first held-out problems (bare question, the long run's 32 new tokens), and
how many batched answers equal the one-at-a-time ones token for token. One torch thread; CPU time of this process
(`time.process_time`), so a loaded machine moves it little. A benchmark, not a test.

    OMP_NUM_THREADS=1 nice -n 5 python bench/bench_generate_batch.py --prompts 16 --batch_sizes 4 8 16 --json papers/figures/steering_generate_batch.json
"""
import argparse, json, os, time
from pathlib import Path
import torch


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bench_generate_batch.py")
    ap.add_argument("--prompts", type=int, default=16); ap.add_argument("--new", type=int, default=32)
    ap.add_argument("--batch_sizes", type=int, nargs="+", default=[4, 8, 16]); ap.add_argument("--json", default="")
    a = ap.parse_args(argv)
    from reasoning_nb.frozen_lm import load_lm, generate, generate_batch
    from reasoning_nb.models.steering import chat_prompt
    from reasoning_nb.train_steering import SteeringParams
    torch.set_num_threads(1)
    held = SteeringParams(n_train=80, n_eval=120, max_new_tokens=a.new).problems()[2][:a.prompts]
    lm, tok = load_lm("smollm2"); prompts = [chat_prompt(tok, p.question) for p in held]
    generate_batch(lm, tok, prompts[:2], 4)                                           # warm-up
    t = time.process_time(); one = [generate(lm, tok, x, max_new_tokens=a.new).ids for x in prompts]; c = time.process_time() - t
    n = sum(map(len, one)); res = dict(prompts=len(prompts), new=a.new, tokens=n, load_avg=os.getloadavg(),
                                       one_at_a_time=dict(cpu_s=c, tokens_per_cpu_s=n / c), batched={})
    for bs in a.batch_sizes:
        t = time.process_time(); many = [g.ids for g in generate_batch(lm, tok, prompts, a.new, batch_size=bs)]; c = time.process_time() - t
        res["batched"][bs] = dict(cpu_s=c, tokens_per_cpu_s=sum(map(len, many)) / c, identical=sum(x == y for x, y in zip(one, many)))
    print(json.dumps(res))
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
