"""Inference overhead of the steering controller: greedy generation tokens/s with and without it.

A benchmark script, not a test. Same prompts, same run, greedy, KV cache; the two arms alternate prompt by prompt
(so drifts in machine load hit both), every answer is forced to exactly --new_tokens tokens (min = max), and the
first --warmup prompts of each arm are not timed. The controller is untrained but its steering factor B is random
(an untrained B = 0 would still cost the same compute), so the steered stream really differs.

    python bench/bench_steering.py                                   # SmolLM2-135M offline, CPU
    python bench/bench_steering.py --model Qwen/Qwen3-0.6B --device cuda --lm_dtype bfloat16 --new_tokens 256 --prompts 20
"""
import argparse, json, time


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--layer_ratio", type=float, default=0.15)
    ap.add_argument("--prompts", type=int, default=6, help="timed prompts per arm")
    ap.add_argument("--warmup", type=int, default=1, help="untimed prompts per arm first")
    ap.add_argument("--new_tokens", type=int, default=32)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--proxy", default="cosine", choices=["cosine", "variance"])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--lm_dtype", default="float32", help="the LM's weights: float32, bfloat16, float16 or auto")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the result as JSON only")
    return ap.parse_args(argv)


def bench(a) -> dict:
    import torch
    from reasoning_nb.arith import load_problems
    from reasoning_nb.frozen_lm import load_lm, decoder_layers, resolve_layer, attached
    from reasoning_nb.models.steering import SteeringConfig, SteeringController, SteeringHook, chat_prompt
    from reasoning_nb.torch_utils import pick_device
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    dev = pick_device(a.device)
    lm, tok = load_lm(a.model, device=dev, dtype=a.lm_dtype)
    layer = resolve_layer(len(decoder_layers(lm)), ratio=a.layer_ratio, name="layer")
    ctl = SteeringController(SteeringConfig(d_model=lm.config.hidden_size, window=a.window, proxy=a.proxy)).to(dev).eval()
    torch.nn.init.normal_(ctl.B.weight, std=0.01)
    probs = load_problems("arith", a.warmup + a.prompts, seed=123)
    secs = {"plain": 0.0, "steered": 0.0}

    def gen(ids, steer):
        hook = SteeringHook(ctl)
        ctx = attached(lm, layer, hook) if steer else torch.no_grad()
        with torch.no_grad(), ctx:
            if dev.type == "cuda": torch.cuda.synchronize()
            t = time.perf_counter()
            out = lm.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens,
                              do_sample=False, pad_token_id=tok.pad_token_id)
            if dev.type == "cuda": torch.cuda.synchronize()
        assert out.shape[1] - ids.shape[1] == a.new_tokens
        return time.perf_counter() - t

    for i, p in enumerate(probs):
        ids = tok(chat_prompt(tok, p.question), return_tensors="pt", add_special_tokens=False).input_ids.to(dev)
        for arm in (("plain", "steered") if i % 2 == 0 else ("steered", "plain")):
            dt = gen(ids, arm == "steered")
            if i >= a.warmup: secs[arm] += dt
    n = a.prompts * a.new_tokens
    tps = {k: n / v for k, v in secs.items()}
    return dict(model=a.model, device=str(dev), lm_dtype=a.lm_dtype, threads=a.threads, layer=layer, prompts=a.prompts, new_tokens=a.new_tokens,
                window=a.window, proxy=a.proxy, tokens_per_s_plain=tps["plain"], tokens_per_s_steered=tps["steered"],
                overhead_pct=100 * (secs["steered"] / secs["plain"] - 1),
                controller_params=sum(p.numel() for p in ctl.parameters()))


if __name__ == "__main__":
    a = parse()
    r = bench(a)
    if a.json: print(json.dumps(r))
    else:
        print(f"{r['model']} on {r['device']} ({r['threads']} thread(s)), hook after layer {r['layer']}, "
              f"{r['prompts']} prompts x {r['new_tokens']} tokens, greedy + KV cache")
        print(f"  without controller: {r['tokens_per_s_plain']:.2f} tokens/s")
        print(f"  with controller:    {r['tokens_per_s_steered']:.2f} tokens/s  ({r['controller_params'] / 1e6:.2f}M parameters)")
        print(f"  overhead: {r['overhead_pct']:+.1f}%")
