"""Cached generation equals recomputing the whole prefix (issue 23 s1): the decode logits of every new token and the
generated tokens, for the hybrid LM and the recursive LM (both recursion modes, learned halting with each Q head), at
odd prompt lengths, in prefill (the chunked op) and single-token decoding (the recurrent step)."""
import sys
from pathlib import Path
import pytest, torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout without `pip install -e .`
from reasoning_nb.models.act import ACTConfig
from reasoning_nb.models.generate import SampleConfig, generate
from reasoning_nb.models.hybrid import HybridLM, HybridLMConfig
from reasoning_nb.models.recursion import RecursionConfig
from reasoning_nb.models.recursive_lm import RecursiveLM, RecursiveLMConfig, eval_steps

LM = HybridLMConfig(vocab_size=71, d_model=32, n_layers=3, attention_layers=[1], attn_heads=4, gdn_heads=2, gdn_head_dim=8,
                    max_seq_len=64)
RECURSIVE = {"trm": {}, "hrm": dict(recursion=RecursionConfig(H_cycles=2, L_cycles=2, mode="hrm")),
             **{f"learned-{h}": dict(act=ACTConfig(halt_max_steps=3, eval_halting="learned", q_head=h)) for h in ("mlp", "gru", "attention")}}

def hybrid(conv_size=4):
    torch.manual_seed(0)
    return HybridLM(LM.replace(conv_size=conv_size)).eval()

def recursive(**kw):
    torch.manual_seed(1)
    cfg = RecursiveLMConfig(lm=LM, recursion=RecursionConfig(H_cycles=2, L_cycles=1), act=ACTConfig(halt_max_steps=3)).replace(**kw)
    m = RecursiveLM(cfg).eval()
    with torch.no_grad(): m.q_head.proj.weight.normal_(); m.q_head.proj.bias.zero_()   # positions halt at different steps
    return m

def decode_vs_full(m, seq, prefill: int):
    "Largest |cached - recomputed| over the logits of every position, prefill then one token at a time"
    cache, full = m.new_cache(), (m(seq) if isinstance(m, HybridLM) else eval_steps(m, seq)[0])
    with torch.no_grad():
        parts = [m.decode(seq[:, :prefill], cache)] + [m.decode(seq[:, t:t + 1], cache) for t in range(prefill, seq.shape[1])]
    return (torch.cat(parts, 1) - full).abs().max().item()

SEQ = torch.randint(0, 71, (2, 23), generator=torch.Generator().manual_seed(0))

@pytest.mark.parametrize("prefill", [1, 7, 22])
@pytest.mark.parametrize("conv_size", [4, 0])
def test_hybrid_cached_logits(prefill, conv_size):
    assert decode_vs_full(hybrid(conv_size), SEQ, prefill) < 1e-5

def test_hybrid_prefill_in_pieces():
    "Two multi-token calls (the chunked op with an initial state; attention with a cache and a mask) equal one"
    m, cache = hybrid(), None
    cache = m.new_cache()
    with torch.no_grad(): out = torch.cat([m.decode(SEQ[:, :9], cache), m.decode(SEQ[:, 9:], cache)], 1)
    assert (out - m(SEQ)).abs().max().item() < 1e-5

@pytest.mark.parametrize("kind", RECURSIVE)
def test_recursive_cached_logits(kind):
    assert decode_vs_full(recursive(**RECURSIVE[kind]), SEQ[:, :17], prefill=5) < 1e-4

@pytest.mark.parametrize("make", [hybrid, recursive, lambda: recursive(**RECURSIVE["learned-gru"])])
@pytest.mark.parametrize("sampling", [{}, dict(temperature=0.9, top_k=30, top_p=0.9)])
def test_generate_cached_equals_uncached(make, sampling):
    m, prompt = make(), SEQ[:, :9]
    a = generate(m, prompt, SampleConfig(max_new_tokens=10, **sampling), seed=5)
    b = generate(m, prompt, SampleConfig(max_new_tokens=10, use_cache=False, **sampling), seed=5)
    assert torch.equal(a, b) and a.shape == (2, 19) and torch.equal(a[:, :9], prompt)

def test_generate_stop_token_and_seed():
    m, prompt = hybrid(), SEQ[:, :9]
    g = generate(m, prompt, max_new_tokens=10)
    stop = int(g[0, 11])
    s = generate(m, prompt, max_new_tokens=10, stop_token=stop)
    assert torch.equal(s[0, :12], g[0, :12]) and bool((s[0, 12:] == stop).all())
    r = lambda seed: generate(m, prompt, max_new_tokens=8, temperature=2.0, seed=seed)
    assert torch.equal(r(1), r(1)) and not torch.equal(r(1), r(2))

def test_bad_settings():
    with pytest.raises(ValueError, match="top_p must be in"): SampleConfig(top_p=1.5)
    with pytest.raises(ValueError, match="exceeds max_seq_len"): generate(hybrid(), SEQ, max_new_tokens=60)
