"""Run Phase 1a from a shell: the same settings (`Phase1aParams`) and the same `run_phase1a` as notebook 23, with its
parameters as flags (`--steps 500`, `--lm-dtype bfloat16`, `--gradient_checkpointing`) and preset files
(`--config FILE`); prints the headline figures as one JSON line. Bad input is one line on stderr, exit status 2.

    python bench/run_phase1a.py                                           # the notebook's defaults (tiny model, CPU)
    python bench/run_phase1a.py --model smollm2 --pairs ../shared/data/squad2_dev/cs224n_dev-v2.0.json --n_pairs 20 \\
        --restarts 5 --K_values "[32]" --K_main 32 --steps 100 --output_dir outputs/phase1a_squad
    python bench/run_phase1a.py --device cuda --model deepseek-ai/DeepSeek-R1-Distill-Qwen-7B --lm_dtype bfloat16 \\
        --gradient_checkpointing --pairs rajpurkar/squad_v2 --n_pairs 100 --restarts 5 --steps 500 --K_main 32 --chunk_pairs 100
"""
import json


def main(argv=None) -> dict:
    from reasoning_nb.params import parse_params
    from reasoning_nb.phase1a import Phase1aParams, run_phase1a
    p, _ = parse_params(Phase1aParams, argv, prog="run_phase1a.py")
    r = run_phase1a(p)
    main_k = r["joint"].get(str(p.K_main)) or {}
    print(json.dumps({"verdict": r["verdict"], "stop_reason": r["stop_reason"], "n_pairs": r["n_pairs"],
                      "convergence": main_k.get("convergence"), "exact_all": main_k.get("exact_all"), "results": r["paths"]["results"]}))
    return r


if __name__ == "__main__":
    from reasoning_nb.config import cli_main
    cli_main("run_phase1a.py", main)
