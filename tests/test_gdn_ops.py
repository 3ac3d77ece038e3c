"""Larger chunked-vs-recurrent comparisons of the gated delta rule ops (the notebook holds the small ones)."""
import random, sys
from collections import Counter
from pathlib import Path
import pytest, torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout without `pip install -e .`
from reasoning_nb.ops.gdn import (gated_delta_rule, gated_delta_rule_chunked, gated_delta_rule_recurrent, gdn_backend,
                                  gdn_compare, gdn_inputs)

def test_T200_chunk64_float64_fwd_bwd():
    x = gdn_inputs(2, 200, 4, 32, 48, dtype=torch.float64, initial_state=True, requires_grad=True, seed=11)
    errs = gdn_compare(x, chunk_size=64)
    assert set(errs) == {"o", "final_state", "dq", "dk", "dv", "dg", "dbeta", "dinitial_state"}
    assert max(errs.values()) < 1e-10, errs

@pytest.mark.parametrize("chunk_size", [8, 16, 32])
def test_random_sizes(chunk_size):
    rng = random.Random(chunk_size)
    B, T, H, K, V = rng.randint(1, 3), rng.randint(1, 150), rng.randint(1, 4), rng.randint(2, 24), rng.randint(2, 24)
    h0 = rng.random() < 0.5
    x = gdn_inputs(B, T, H, K, V, dtype=torch.float64, initial_state=h0, requires_grad=True, seed=chunk_size)
    errs = gdn_compare(x, chunk_size=chunk_size)
    assert max(errs.values()) < 1e-10, ((B, T, H, K, V, h0), errs)

def test_float32_long_sequence_vs_float64():
    "T=500 in float32: both forms stay close to the float64 loop"
    x64 = gdn_inputs(1, 500, 2, 64, 64, dtype=torch.float64, initial_state=True, seed=3)
    o64, S64 = gated_delta_rule_recurrent(**x64, output_final_state=True)
    x32 = {n: t.float() for n, t in x64.items()}
    for op in (gated_delta_rule_recurrent, gated_delta_rule_chunked):
        o, S = op(**x32, output_final_state=True)
        assert o.dtype == torch.float32 and S.dtype == torch.float32
        assert ((o.double() - o64).norm() / o64.norm()).item() < 1e-5
        assert ((S.double() - S64).norm() / S64.norm()).item() < 1e-5

def test_dispatch_on_cpu(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)          # with Triton's interpreter on, FLA could take CPU tensors
    assert gdn_backend("cpu") == "chunked"
    x = gdn_inputs(1, 10, 2, 8, 8)
    with pytest.raises(RuntimeError, match="needs CUDA"): gated_delta_rule(**x, backend="fla")
    with pytest.raises(ValueError, match="backend must be one of"): gated_delta_rule(**x, backend="cuda")
    torch.testing.assert_close(gated_delta_rule(**x)[0], gated_delta_rule(**x, backend="recurrent")[0], rtol=1e-5, atol=1e-6)

def _backward_nodes(*roots) -> Counter:
    "How many autograd nodes of each kind are reachable from `roots` (grad_fns)"
    seen, todo = set(), [r for r in roots if r is not None]
    while todo:
        fn = todo.pop()
        if fn in seen: continue
        seen.add(fn); todo += [f for f, _ in fn.next_functions if f is not None]
    return Counter(type(f).__name__ for f in seen)

def test_chunk_loop_takes_chunks_by_unbind():
    "x[n] in the chunk loop would put SelectBackwards per chunk in the graph, each zero-filling all of x (quadratic in T)"
    def nodes(T):
        x = gdn_inputs(1, T, 2, 8, 8, initial_state=True, requires_grad=True)
        o, S = gated_delta_rule_chunked(**x, output_final_state=True, chunk_size=16)
        return _backward_nodes(o.grad_fn, S.grad_fn)
    few, many = nodes(40), nodes(150)                                   # 3 and 10 chunks
    assert few["UnbindBackward0"] >= 1 and few["SelectBackward0"] == many["SelectBackward0"], (few, many)
