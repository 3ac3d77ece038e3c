"""Tokens per second of generation with the decode cache against recomputing the whole prefix for every token, for
the exp8 CPU-sized hybrid LM and its recursive mode, at a few prompt lengths (random weights and prompts: speed only).

    OMP_NUM_THREADS=1 python bench/bench_generate.py --prompts 64 256 1024 --new 32 --repeats 3 --clock cpu --threads 1

With the cache the GDN layers cost the same per token at every prompt length (their state is fixed-size) and only the
attention layers read a growing KV cache; without it every token reruns the whole prefix. Each repeat runs both modes
in turn after a warm-up; the table gives the median. `--clock cpu` times this process's CPU time (a loaded shared
machine barely moves it), `wall` the elapsed time. The load average is recorded. A benchmark, not a test.
"""
import argparse, json, os, statistics, sys, time
from pathlib import Path
import torch
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without `pip install -e .`
from reasoning_nb.metrics import write_json
from reasoning_nb.models.generate import generate
from reasoning_nb.models.hybrid import HybridLM
from reasoning_nb.models.recursive_lm import RecursiveLM
from reasoning_nb.train import Exp8Params

def models(vocab: int, max_len: int) -> dict:
    "The exp8 pipeline's default (CPU) baseline and recursive models, at `vocab` tokens and `max_len` positions"
    p = Exp8Params().replace(task=Exp8Params().task.replace(seq_len=max_len))
    torch.manual_seed(0)
    return {"baseline": HybridLM(p.model_config("baseline", vocab)).eval(), "recursive": RecursiveLM(p.model_config("recursive", vocab)).eval()}

def timed(fn, clock: str) -> float:
    t = time.process_time if clock == "cpu" else time.perf_counter
    t0 = t(); fn(); return t() - t0

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prompts", type=int, nargs="+", default=[64, 256, 1024]); ap.add_argument("--new", type=int, default=32)
    ap.add_argument("--vocab", type=int, default=4096); ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu"); ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="outputs/bench_generate.json")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    ms, rows, load0 = models(a.vocab, max(a.prompts) + a.new), [], os.getloadavg()
    jobs = [(k, T) for k in ms for T in a.prompts]
    for kind, T in tqdm(jobs, desc="bench_generate"):
        prompt = torch.randint(0, a.vocab, (1, T), generator=torch.Generator().manual_seed(T))
        run = lambda c: generate(ms[kind], prompt, max_new_tokens=a.new, use_cache=c)
        assert torch.equal(run(True), run(False)), f"{kind} T={T}: cached and uncached greedy tokens differ"   # also the warm-up
        t = {c: [timed(lambda: run(c), a.clock) for _ in range(a.repeats)] for c in (True, False)}
        med = {c: statistics.median(v) for c, v in t.items()}
        rows.append({"model": kind, "prompt": T, "new_tokens": a.new, "cached_tok_s": a.new / med[True],
                     "uncached_tok_s": a.new / med[False], "speedup": med[False] / med[True], "times_s": {str(c): v for c, v in t.items()}})
        print(f"{kind:9s} prompt {T:5d}: cached {rows[-1]['cached_tok_s']:8.1f} tok/s, uncached {rows[-1]['uncached_tok_s']:8.1f} tok/s, "
              f"x{rows[-1]['speedup']:.1f}", flush=True)
    res = {"rows": rows, "clock": a.clock, "threads": a.threads, "vocab": a.vocab, "repeats": a.repeats, "load_before": load0,
           "load_after": os.getloadavg(), "params": {k: m.num_params() for k, m in ms.items()}, "torch": torch.__version__,
           "cpu_count": os.cpu_count()}
    write_json(Path(a.out), res)
    plot(res, Path(a.out).with_suffix(".png"))

def plot(res: dict, path: Path):
    import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, mk in (("baseline", "o"), ("recursive", "s")):
        r = [x for x in res["rows"] if x["model"] == kind]
        for key, ls in (("cached_tok_s", "-"), ("uncached_tok_s", "--")):
            ax.plot([x["prompt"] for x in r], [x[key] for x in r], ls, marker=mk, label=f"{kind}, {key.split('_')[0]}")
    ax.set(xscale="log", yscale="log", xlabel="prompt length (tokens)", ylabel=f"new tokens / s ({res['clock']} time)",
           title="exp8 CPU models: generation with and without the decode cache")
    ax.legend(); fig.tight_layout(); fig.savefig(path, dpi=120); plt.close(fig)

if __name__ == "__main__": main()
