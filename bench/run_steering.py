"""Run the steering pipeline from a shell: the same settings (`SteeringParams`) and the same `run_steering` as notebook
22, with its parameters as flags (`--steps 60`, `--lm-dtype bfloat16`, `--engine.optim.lr 1e-3`) and preset files
(`--config FILE`); prints the headline figures as one JSON line. Bad input is one line on stderr, exit status 2.

    python bench/run_steering.py                                          # the notebook's defaults (SmolLM2, CPU)
    python bench/run_steering.py --n_train 80 --n_eval 120 --max_new_tokens 32 --probe_steps 40 --steps 60 \\
        --batch_size 4 --matched_len 12 --output_dir outputs/steering_long
    python bench/run_steering.py --model Qwen/Qwen3-0.6B --teacher Qwen/Qwen3-1.7B --dataset openai/gsm8k --device cuda \\
        --lm_dtype bfloat16 --n_train 500 --n_eval 500 --max_new_tokens 256 --steps 1000 --batch_size 16
"""
import json


def main(argv=None) -> dict:
    from reasoning_nb.params import parse_params
    from reasoning_nb.train_steering import SteeringParams, run_steering
    p, _ = parse_params(SteeringParams, argv, prog="run_steering.py")
    r = run_steering(p)
    a = r["accuracy"]
    print(json.dumps({"accuracy_before": a["before"]["accuracy"], "accuracy_after": a["after"]["accuracy"], "n_eval": a["before"]["n"],
                      "kl_unsteered": r["kl"]["unsteered"], "kl_final": r["kl"]["curve"][-1][1], "results": r["plots"]["diagrams"].rsplit("/", 1)[0]}))
    return r


if __name__ == "__main__":
    from reasoning_nb.config import cli_main
    cli_main("run_steering.py", main)
