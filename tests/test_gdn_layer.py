"""The GDN layer's parameters carry FLA's names and shapes, so FLA's state dicts load into it and back (the FLA tier,
tests/fla_tier/test_fla_layer.py, checks this against FLA's own layer; this list was recorded from it)."""
import sys
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout without `pip install -e .`
from reasoning_nb.models.gdn import GDNConfig, GatedDeltaNet

# {name: shape} of fla.layers.GatedDeltaNet(hidden_size=32, head_dim=8, num_heads=2, expand_v=1.5).state_dict(), FLA 0.6.0
FLA_GDN_STATE = {"A_log": (2,), "dt_bias": (2,), "q_proj.weight": (16, 32), "k_proj.weight": (16, 32), "v_proj.weight": (24, 32),
                 "a_proj.weight": (2, 32), "b_proj.weight": (2, 32), "q_conv1d.weight": (16, 1, 4), "k_conv1d.weight": (16, 1, 4),
                 "v_conv1d.weight": (24, 1, 4), "g_proj.weight": (24, 32), "o_norm.weight": (12,), "o_proj.weight": (32, 24)}

def shapes(layer): return {n: tuple(t.shape) for n, t in layer.state_dict().items()}

def test_state_dict_has_fla_names_and_shapes():
    assert shapes(GatedDeltaNet(GDNConfig(d_model=32, num_heads=2, head_dim=8, expand_v=1.5))) == FLA_GDN_STATE

def test_no_conv_drops_the_conv_weights_as_fla_does():
    "conv_size=0 is FLA's use_short_conv=False: the same names less the three conv weights"
    ours = shapes(GatedDeltaNet(GDNConfig(d_model=32, num_heads=2, head_dim=8, expand_v=1.5, conv_size=0)))
    assert ours == {n: s for n, s in FLA_GDN_STATE.items() if "conv1d" not in n}

def test_recorded_state_dict_loads_strictly():
    "A state dict with FLA's keys loads with strict=True and lands where its name says"
    torch.manual_seed(0)
    sd = {n: torch.randn(s) for n, s in FLA_GDN_STATE.items()}
    layer = GatedDeltaNet(GDNConfig(d_model=32, num_heads=2, head_dim=8, expand_v=1.5))
    layer.load_state_dict(sd, strict=True)
    assert torch.equal(layer.q_conv1d.weight, sd["q_conv1d.weight"]) and torch.equal(layer.A_log, sd["A_log"])
    assert all(torch.equal(t, sd[n]) for n, t in layer.state_dict().items())
