"""Run the LLM <-> TRM hybrid pipeline from a shell: the same settings (`HybridParams`) and the same `run_hybrid` as
notebook 26, with its parameters as flags; `--figure NAME` also copies the results JSON and the plot to
papers/figures/NAME.{json,png}. Prints the headline figures (exact accuracy per method, verifier off -> on) as one
JSON line, with the run's CPU seconds.

    OMP_NUM_THREADS=1 python bench/run_hybrid.py                                     # the notebook's defaults (SmolLM2)
    OMP_NUM_THREADS=1 python bench/run_hybrid.py --maze_size 7 --min_path_len 5 --n_train 200 --n_test 20 --n_aug 1 \\
        --d_model 64 --n_layers 2 --L_cycles 3 --halt_max_steps 4 --pretrain_steps 2000 --pretrain_batch_size 32 --batch_size 8 --steps 60 \\
        --output_dir outputs/hybrid_cpu --figure llm_trm_hybrid_cpu                   # papers/llm_trm_hybrid.md
"""
import json, shutil, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> dict:
    import torch
    from reasoning_nb.params import param_parser, parse_params
    from reasoning_nb.train_hybrid import HybridParams, run_hybrid
    torch.set_num_threads(1)
    ap = param_parser(HybridParams, "run_hybrid.py", "Train and measure the LLM <-> TRM hybrid (notebook 26)")
    ap.add_argument("--figure", default="", help="also copy the results to papers/figures/FIGURE.{json,png}")
    p, a = parse_params(HybridParams, argv, ap)
    t0 = time.process_time()
    r = run_hybrid(p)
    cpu = time.process_time() - t0
    head = {k: (v["exact_accuracy"] if "verifier_off" not in v else [v["verifier_off"]["exact_accuracy"], v["verifier_on"]["exact_accuracy"]])
            for k, v in r["methods"].items()} | {"pretrain": r["pretrain"], "n_test": r["n_test"], "cpu_s": round(cpu, 1)}
    if a.figure:
        res = json.loads(Path(r["paths"]["results"]).read_text()) | {"cpu_s": cpu, "command": "python bench/run_hybrid.py " + " ".join(argv or [])}
        (ROOT / "papers" / "figures" / f"{a.figure}.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
        shutil.copy(r["paths"]["plot"], ROOT / "papers" / "figures" / f"{a.figure}.png")
    print(json.dumps(head))
    return r


if __name__ == "__main__":
    import sys
    from reasoning_nb.config import cli_main
    cli_main("run_hybrid.py", lambda argv=None: main(sys.argv[1:] if argv is None else argv))
