"Recursion core (TRM/HRM) and deep supervision with ACT: references, gradient cut, detachment, halting, resume."
import math

import pytest
import torch
import torch.nn as nn

from reasoning_nb.config import ConfigError
from reasoning_nb.models.recursion import (RecursionConfig, RecursiveCore, ReasonerNet, ReasonerNetConfig,
                                           hrm_reference, trm_reference)
from reasoning_nb.models.act import ACTConfig, Carry, QHead, RecursiveReasoner, TokenEmbed
from reasoning_nb.models.halting import make_halting

V, D, T = 10, 16, 6


@pytest.fixture(autouse=True)
def one_thread():
    "Tiny tensors: one thread is faster and does not fight other tests for the CPU"
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def tiny_net():
    return nn.Sequential(nn.Linear(D, D), nn.Tanh(), nn.Linear(D, D))


def small_model(act_cfg, rec_cfg=RecursionConfig(H_cycles=2, L_cycles=2), seed=0):
    torch.manual_seed(seed)
    ncfg = ReasonerNetConfig(d_model=D, n_layers=1, n_heads=2, seq_len=T)
    core = RecursiveCore(rec_cfg, lambda: ReasonerNet(ncfg), D)
    return RecursiveReasoner(core, TokenEmbed(V, D), nn.Linear(D, V, bias=False), QHead(D), act_cfg)


def sort_batch(B, gen):
    inputs = torch.randint(0, V, (B, T), generator=gen)
    return {"inputs": inputs, "labels": inputs.sort(-1).values}


@pytest.mark.parametrize("cfg", [RecursionConfig(H_cycles=3, L_cycles=2), RecursionConfig(H_cycles=3, L_cycles=2, separate_H=True),
                                 RecursionConfig(H_cycles=3, L_cycles=2, mode="hrm")], ids=["trm", "trm-separate-H", "hrm"])
def test_module_matches_reference(cfg):
    torch.manual_seed(0)
    core = RecursiveCore(cfg, tiny_net, D).double()
    x = torch.randn(2, 5, D, dtype=torch.float64, requires_grad=True)
    y0, z0 = core.initial_state(2, 5)
    ref = hrm_reference if cfg.mode == "hrm" else trm_reference
    (y, z), (yr, zr) = core(x, y0, z0), ref(core.L_net, core.H, x, y0, z0, H_cycles=cfg.H_cycles, L_cycles=cfg.L_cycles)
    torch.testing.assert_close(y, yr, rtol=0, atol=1e-12); torch.testing.assert_close(z, zr, rtol=0, atol=1e-12)
    w = torch.randn_like(y)
    params = [x, *core.parameters()]
    g = torch.autograd.grad((y * w).sum() + z.sum(), params)
    gr = torch.autograd.grad((yr * w).sum() + zr.sum(), params)
    for a, b in zip(g, gr): torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    assert (core.H_net is None) == (not cfg.has_H_net)


@pytest.mark.parametrize("cfg", [RecursionConfig(H_cycles=3, L_cycles=4), RecursionConfig(H_cycles=3, L_cycles=4, separate_H=True),
                                 RecursionConfig(H_cycles=3, L_cycles=4, mode="hrm")], ids=["trm", "trm-separate-H", "hrm"])
def test_gradient_only_through_last_cycle(cfg):
    log = []

    class Recorder(nn.Module):
        def __init__(self): super().__init__(); self.net = tiny_net()
        def forward(self, h): log.append(torch.is_grad_enabled()); return self.net(h)

    core = RecursiveCore(cfg, Recorder, D)
    y0, z0 = (s.clone().requires_grad_() for s in core.initial_state(2, 5))
    y, z = core(torch.randn(2, 5, D), y0, z0)
    n_grad = cfg.L_cycles + 1 if cfg.mode == "trm" else 2
    assert log == [False] * (cfg.H_cycles * (cfg.L_cycles + 1) - n_grad) + [True] * n_grad
    assert torch.autograd.grad(y.sum() + z.sum(), [y0, z0], allow_unused=True) == (None, None)


def test_carry_detached_between_steps():
    gen = torch.Generator().manual_seed(0)
    model = small_model(ACTConfig(halt_max_steps=4))
    b1, b2 = sort_batch(4, gen), sort_batch(4, gen)
    carry, out = model(model.initial_carry(b1), b1)
    assert carry.y.grad_fn is None and carry.z.grad_fn is None and not carry.y.requires_grad
    out["logits"].sum().backward()                       # frees step 1's graph
    carry, out = model(carry, b2)
    out["logits"].sum().backward()                       # raises if step 2 reached into step 1's graph
    assert torch.equal(carry.data["inputs"], b1["inputs"]) and carry.steps.tolist() == [2] * 4


def test_q_continue_target_two_steps_by_hand():
    core = RecursiveCore(RecursionConfig(H_cycles=1, L_cycles=1), nn.Identity, 1)
    core.y_init.fill_(1.0); core.z_init.fill_(0.0)
    qh = QHead(1)
    with torch.no_grad(): qh.proj.weight.copy_(torch.tensor([[0.1], [0.3]])); qh.proj.bias.zero_()
    model = RecursiveReasoner(core, lambda d: d["inputs"].float().unsqueeze(-1), lambda y: y, qh,
                              ACTConfig(halt_max_steps=2, q_continue=True, halt_exploration_prob=0.0))
    batch = {"inputs": torch.tensor([[1], [0], [-2]]), "labels": torch.zeros(3, 1, dtype=torch.long)}
    halting = make_halting(model)                        # the BCE policy owns the target; the look-ahead step is the model's
    # x=1: (z, y) = (2, 3), q = (0.3, 0.9) -> continue; next state (6, 9): target sigmoid(max(0.9, 2.7))
    # x=0: (z, y) = (1, 2), q = (0.2, 0.6) -> continue; next state (3, 5): target sigmoid(max(0.5, 1.5))
    # x=-2: (z, y) = (-1, 0), q = (0, 0) -> continue; next state (-3, -3): target sigmoid(max(-0.3, -0.9)) = the halt value
    c, o, _, _ = halting.step(model, model.initial_carry(batch), batch)
    assert o["halted"].tolist() == [False, False, False]
    torch.testing.assert_close(o["target_q_continue"], torch.sigmoid(torch.tensor([2.7, 1.5, -0.3])))
    # last step: next states (16, 25), (8, 13), (-8, -11); only halting is left: target sigmoid(q_halt)
    c, o, _, _ = halting.step(model, c, batch)
    assert o["halted"].tolist() == [True, True, True] and o["steps"].tolist() == [2, 2, 2]
    torch.testing.assert_close(o["target_q_continue"], torch.sigmoid(torch.tensor([2.5, 1.3, -1.1])))


@pytest.mark.parametrize("q_continue", [False, True], ids=["bce", "bce+q-continue"])
def test_halting_branches_train_without_nan(q_continue):
    gen = torch.Generator().manual_seed(0)
    model = small_model(ACTConfig(halt_max_steps=3, q_continue=q_continue, halt_exploration_prob=0.5))
    opt, halting = torch.optim.AdamW(model.parameters(), lr=1e-3), make_halting(model)
    carry, halts = None, 0
    for _ in range(10):
        batch = sort_batch(16, gen)
        carry = model.initial_carry(batch) if carry is None else carry
        carry, out, loss, met = halting.step(model, carry, batch)
        assert ("target_q_continue" in out) == q_continue
        assert math.isfinite(loss.item())
        opt.zero_grad(); loss.backward(); opt.step()
        halts += int(out["halted"].sum())
    assert halts > 0
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_carry_round_trip_weights_only(tmp_path):
    gen = torch.Generator().manual_seed(0)
    model = small_model(ACTConfig(halt_max_steps=4, halt_exploration_prob=0.0)).eval()
    b1, b2 = sort_batch(4, gen), sort_batch(4, gen)
    carry, _ = model(model.initial_carry(b1), b1)
    torch.save(carry.state_dict(), tmp_path/"carry.pt")
    loaded = Carry.from_state_dict(torch.load(tmp_path/"carry.pt", weights_only=True))
    (c1, o1), (c2, o2) = model(carry, b2), model(loaded, b2)
    assert torch.equal(o1["logits"], o2["logits"]) and torch.equal(c1.y, c2.y) and torch.equal(c1.steps, c2.steps)


def test_invalid_configs():
    with pytest.raises(ConfigError, match="H_cycles must be >= 1, got 0"): RecursionConfig(H_cycles=0)
    with pytest.raises(ConfigError, match="L_cycles must be >= 1, got 0"): RecursionConfig(L_cycles=0)
    with pytest.raises(ConfigError, match="halt_max_steps must be >= 1, got 0"): ACTConfig(halt_max_steps=0)
    with pytest.raises(ConfigError, match="separate_H"): RecursionConfig(mode="hrm", separate_H=True)
    with pytest.raises(ConfigError, match="mode must be one of"): RecursionConfig(mode="x")
