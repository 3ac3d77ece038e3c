"""FLA's own GatedDeltaNet layer (fla.layers, all its Triton kernels: short convs, the gated delta rule with the gate,
l2 norm and beta sigmoid fused in, the gated RMSNorm) against ours on the chunked PyTorch op: one state dict serves
both (FLA's parameter names), and they compute the same function, forward and backward."""
import pytest, torch
from fla.layers import GatedDeltaNet as FLAGatedDeltaNet
from reasoning_nb.models.gdn import GDNConfig, GatedDeltaNet
from reasoning_nb.ops.gdn import rel_l2_err

D, H, K, EXPAND = 48, 3, 16, 2.0

def fla_layer(conv: bool, seed: int):
    torch.manual_seed(seed)
    return FLAGatedDeltaNet(hidden_size=D, head_dim=K, num_heads=H, expand_v=EXPAND, norm_eps=1e-6, use_short_conv=conv, conv_size=4)

def our_layer(conv: bool, backend: str = "chunked"):
    return GatedDeltaNet(GDNConfig(d_model=D, num_heads=H, head_dim=K, expand_v=EXPAND, conv_size=4 if conv else 0, norm_eps=1e-6,
                                   backend=backend))

def fwd_bwd(layer, x, dy, fla: bool):
    "(y, {'x' or parameter name: grad}) of (y * dy).sum()"
    x = x.clone().requires_grad_()
    y = layer(x)[0] if fla else layer(x)
    names = [n for n, _ in layer.named_parameters()]
    grads = torch.autograd.grad((y * dy).sum(), [x, *layer.parameters()])
    return y, dict(zip(["x", *names], grads))

@pytest.mark.parametrize("conv", [True, False])
def test_state_dicts_load_both_ways(conv):
    theirs = fla_layer(conv, seed=1)
    ours = our_layer(conv)
    ours.load_state_dict(theirs.state_dict(), strict=True)                 # FLA -> ours
    back = fla_layer(conv, seed=2)
    assert any(not torch.equal(a, b) for a, b in zip(back.state_dict().values(), theirs.state_dict().values()))
    back.load_state_dict(ours.state_dict(), strict=True)                   # ours -> FLA
    assert all(torch.equal(t, theirs.state_dict()[n]) for n, t in back.state_dict().items())

@pytest.mark.parametrize("conv, T", [(True, 63), (False, 37)])
def test_same_function_fwd_bwd(conv, T):
    "Outputs, the input gradient and every parameter's gradient, by name (measured: fwd 8e-7, grads <= 6e-6)"
    theirs = fla_layer(conv, seed=3)
    ours = our_layer(conv); ours.load_state_dict(theirs.state_dict(), strict=True)
    g = torch.Generator().manual_seed(4)
    x, dy = torch.randn(2, T, D, generator=g), torch.randn(2, T, D, generator=g)
    y_f, gr_f = fwd_bwd(theirs, x, dy, fla=True)
    y_o, gr_o = fwd_bwd(ours, x, dy, fla=False)
    assert set(gr_f) == set(gr_o)
    errs = {"y": rel_l2_err(y_o, y_f), **{n: rel_l2_err(gr_o[n], gr_f[n]) for n in gr_f}}
    assert max(errs.values()) < 5e-5, errs
