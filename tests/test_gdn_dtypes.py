"""Dtypes of the gated delta rule under autocast: the ops compute in fp32 whatever the autocast state, the layer hands
FLA q, k, v, beta in one dtype and g in fp32, and "auto" never sends float64 to FLA. All on CPU: the FLA op is
replaced by a spy and CUDA is only a device name."""
import functools, sys
from pathlib import Path
import pytest, torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout without `pip install -e .`
import reasoning_nb.ops.gdn as gdn_ops
from reasoning_nb.ops.gdn import (gated_delta_rule, gated_delta_rule_chunked, gated_delta_rule_recurrent, gdn_backend,
                                  gdn_fwd_bwd, gdn_inputs, rel_l2_err)
from reasoning_nb.models.gdn import GDNConfig, GatedDeltaNet

def under_autocast(op, dtype=torch.bfloat16):
    "`op` with its forward under CPU autocast; the backward runs outside, as in a training step"
    def run(**kw):
        with torch.autocast("cpu", dtype=dtype): return op(**kw)
    return run

OPS = {"recurrent": gated_delta_rule_recurrent, "chunked": functools.partial(gated_delta_rule_chunked, chunk_size=16)}

@pytest.mark.parametrize("name", list(OPS))
def test_ops_compute_in_fp32_under_bf16_autocast(name):
    "fp32 inputs: output, final state and all six gradients equal the no-autocast run to fp32 rounding (bf16 matmuls: ~3e-3)"
    x = gdn_inputs(2, 53, 3, 16, 24, initial_state=True, requires_grad=True, seed=21)
    o, S, gr = gdn_fwd_bwd(OPS[name], x)
    oa, Sa, gra = gdn_fwd_bwd(under_autocast(OPS[name]), x)
    assert oa.dtype == torch.float32 and Sa.dtype == torch.float32
    errs = {"o": rel_l2_err(oa, o), "S": rel_l2_err(Sa, S), **{f"d{n}": rel_l2_err(gra[n], gr[n]) for n in gr}}
    assert max(errs.values()) < 1e-6, errs

@pytest.mark.parametrize("name", list(OPS))
def test_ops_keep_float64_under_autocast(name):
    x = gdn_inputs(1, 37, 2, 8, 12, dtype=torch.float64, initial_state=True, seed=22)
    o, S = OPS[name](**x, output_final_state=True)
    oa, Sa = under_autocast(OPS[name])(**x, output_final_state=True)
    assert oa.dtype == torch.float64 and Sa.dtype == torch.float64
    assert rel_l2_err(oa, o) < 1e-12 and rel_l2_err(Sa, S) < 1e-12

@pytest.fixture
def fake_fla(monkeypatch):
    "Pretend FLA imports: its op is a spy that records the dtypes it gets and runs the chunked form"
    seen = []
    def spy(q, k, v, g, beta, **kw):
        seen.append(dict(q=q.dtype, k=k.dtype, v=v.dtype, g=g.dtype, beta=beta.dtype))
        return gated_delta_rule_chunked(q, k, v, g, beta, **kw)
    monkeypatch.setattr(gdn_ops, "_fla_op", lambda: (spy, None))
    return seen

def test_layer_gives_fla_one_dtype_and_fp32_g(fake_fla, monkeypatch):
    "CUDA bf16 autocast emulated on CPU: F.normalize returns fp32 (as CUDA autocast's does), the rest is bf16"
    monkeypatch.setattr(gdn_ops, "gdn_backend", lambda *a, **kw: "fla")
    normalize = F.normalize
    monkeypatch.setattr(F, "normalize", lambda t, *a, **kw: normalize(t.float(), *a, **kw))
    torch.manual_seed(0)
    layer = GatedDeltaNet(GDNConfig(d_model=48, num_heads=3, head_dim=8, expand_v=2.0))
    x = torch.randn(2, 29, 48)
    with torch.autocast("cpu", dtype=torch.bfloat16): y = layer(x)
    assert fake_fla == [dict(q=torch.bfloat16, k=torch.bfloat16, v=torch.bfloat16, g=torch.float32, beta=torch.bfloat16)]
    assert y.shape == x.shape and y.isfinite().all()

def test_layer_fp32_gives_fla_fp32(fake_fla, monkeypatch):
    monkeypatch.setattr(gdn_ops, "gdn_backend", lambda *a, **kw: "fla")
    layer = GatedDeltaNet(GDNConfig(d_model=32, num_heads=2, head_dim=8))
    layer(torch.randn(1, 11, 32))
    assert fake_fla == [dict(q=torch.float32, k=torch.float32, v=torch.float32, g=torch.float32, beta=torch.float32)]

@pytest.mark.parametrize("bad", [dict(q=torch.float32), dict(beta=torch.float32), dict(g=torch.bfloat16)])
def test_fla_dispatch_refuses_mixed_dtypes(fake_fla, monkeypatch, bad):
    "The dispatcher names a dtype mix before FLA's Triton kernels would fail on it"
    monkeypatch.setattr(gdn_ops, "gdn_backend", lambda *a, **kw: "fla")
    x = gdn_inputs(1, 9, 2, 8, 8, dtype=torch.bfloat16)
    gated_delta_rule(**x, backend="fla")                                # consistent dtypes pass through to the op
    assert len(fake_fla) == 1
    with pytest.raises(ValueError, match="needs"):
        gated_delta_rule(**{**x, **{n: x[n].to(dt) for n, dt in bad.items()}}, backend="fla")
    assert len(fake_fla) == 1

def test_auto_never_picks_fla_for_float64(fake_fla, monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)              # the CPU answers below are for the interpreter off
    cuda = torch.device("cuda")                                         # only a name: no GPU needed
    assert gdn_backend(cuda) == "fla"
    assert gdn_backend(cuda, dtype=torch.bfloat16) == "fla" and gdn_backend(cuda, dtype=torch.float32) == "fla"
    assert gdn_backend(cuda, dtype=torch.float64) == "chunked"
    assert gdn_backend(cuda, "recurrent", dtype=torch.float64) == "recurrent"
    with pytest.raises(RuntimeError, match="no float64 kernels"): gdn_backend(cuda, "fla", dtype=torch.float64)
    assert gdn_backend("cpu", dtype=torch.bfloat16) == "chunked"
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    assert gdn_backend("cpu", dtype=torch.bfloat16) == "fla" and gdn_backend("cpu", dtype=torch.float64) == "chunked"

def test_dispatch_uses_input_dtype(fake_fla, monkeypatch):
    "gated_delta_rule asks gdn_backend with q's dtype"
    asked = []
    real = gdn_ops.gdn_backend
    monkeypatch.setattr(gdn_ops, "gdn_backend", lambda dev, b="auto", **kw: asked.append(kw.get("dtype")) or real(dev, b, **kw))
    gated_delta_rule(**gdn_inputs(1, 5, 1, 4, 4, dtype=torch.float64))
    assert asked == [torch.float64]

def test_float64_layer_stays_float64_through_the_output_norm():
    """The gated output norm computes in float64 for a float64 layer (fp32 only for half inputs), so the float64 reference
    comparisons (a sequence in pieces = the whole sequence) hold to 1e-12, not to float32's 1e-7"""
    from reasoning_nb.models.gdn import GatedRMSNorm
    torch.manual_seed(0)
    n = GatedRMSNorm(12).double(); torch.nn.init.normal_(n.weight)
    x, g = torch.randn(3, 5, 12, dtype=torch.float64), torch.randn(3, 5, 12, dtype=torch.float64)
    ref = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + n.eps) * n.weight * F.silu(g)
    torch.testing.assert_close(n(x, g), ref, rtol=1e-12, atol=1e-12)
    assert n.bfloat16()(x.bfloat16(), g.bfloat16()).dtype == torch.bfloat16
    layer = GatedDeltaNet(GDNConfig(d_model=32, num_heads=2, head_dim=8, expand_v=1.5)).double()
    x = torch.randn(2, 29, 32, dtype=torch.float64)
    st = {}
    parts = [layer(x[:, :12], st)] + [layer(x[:, t:t + 1], st) for t in range(12, 16)] + [layer(x[:, 16:], st)]
    torch.testing.assert_close(torch.cat(parts, 1), layer(x), rtol=1e-10, atol=1e-10)
