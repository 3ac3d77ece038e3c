"""Halting policies: the DQN target on a hand-computed example, the GRU Q head's reset at puzzle boundaries, the replay
buffer (bf16, wrap-around), the soft target update (closed form over a training run), the reasoner asking the policy it
is given, the policy factory (the language model's loss-margin target), the recursive LM training with DQN halting and
every Q head, the intrinsic bonuses' defining property, bad input naming the field, and the ablation notebook refusing
an unknown arm before it trains anything."""
import math
import pytest
import torch
import torch.nn as nn
from reasoning_nb.config import ConfigError
from reasoning_nb.models.act import ACTConfig, DQNConfig, QHead, RecursiveReasoner, TokenEmbed
from reasoning_nb.models.halting import (ReplayBuffer, soft_update, dqn_target, td_loss, shaped_reward, make_halting,
                                         make_q_head, epsilon, DQNHalting, MarginHalting)
from reasoning_nb.models.hybrid import HybridLMConfig
from reasoning_nb.models.recursive_lm import RecursiveLM, RecursiveLMConfig
from reasoning_nb.models.intrinsic import CountNovelty, RND, ForwardDynamics
from reasoning_nb.models.recursion import RecursionConfig, RecursiveCore, ReasonerNet, ReasonerNetConfig
from conftest import ROOT, notebook_error

def _model(act):
    torch.manual_seed(0)
    ncfg = ReasonerNetConfig(d_model=16, n_layers=1, n_heads=2, seq_len=6)
    core = RecursiveCore(RecursionConfig(H_cycles=1, L_cycles=1), lambda: ReasonerNet(ncfg), 16)
    return RecursiveReasoner(core, TokenEmbed(7, 16), nn.Linear(16, 7, bias=False), make_q_head(act.q_head, 16), act)

def _batch(B, seed):
    x = torch.randint(0, 7, (B, 6), generator=torch.Generator().manual_seed(seed))
    return {"inputs": x, "labels": x.sort(-1).values}

def test_dqn_two_steps_by_hand():
    "Identity reasoner, y: 1 -> 3 (step 1) -> 9; continue then forced halt; targets 1.80 and 0.99 (gamma 0.9)"
    core = RecursiveCore(RecursionConfig(H_cycles=1, L_cycles=1), nn.Identity, 1)
    core.y_init.fill_(1.0); core.z_init.fill_(0.0)
    qh = QHead(1)
    with torch.no_grad(): qh.proj.weight.copy_(torch.tensor([[0.1], [0.3]])); qh.proj.bias.zero_()
    m = RecursiveReasoner(core, lambda d: d["inputs"].float().unsqueeze(-1), lambda y: torch.cat([6 - y, y - 6], -1), qh,
                          ACTConfig(halt_max_steps=2, halting="dqn", dqn=DQNConfig(eps_start=0.0, eps_end=0.0, gamma=0.9, replay_batch=1)))
    h, b = make_halting(m), {"inputs": torch.tensor([[1]]), "labels": torch.tensor([[1]])}
    c, _, loss, met = h.step(m, m.initial_carry(b), b)
    assert [round(met[k].item(), 5) for k in ("reward", "td_target", "td_loss")] == [0.99, 1.8, 0.405]
    c, _, loss, met = h.step(m, c, b)
    assert c.halted.item() and [round(met[k].item(), 5) for k in ("reward", "td_target", "td_loss")] == [0.99, 0.99, 0.00405]

def test_double_dqn_and_max_targets():
    r, f = torch.tensor([0.49]), torch.tensor([False])
    qn, qt = torch.tensor([[0.8, 0.3]]), torch.tensor([[0.7, 0.9]])
    assert math.isclose(dqn_target(r, f, f, qn, qt, gamma=0.9).item(), 1.12, abs_tol=1e-6)
    assert math.isclose(dqn_target(r, f, f, qn, qt, gamma=0.9, double=False).item(), 1.30, abs_tol=1e-6)
    assert math.isclose(dqn_target(r, torch.tensor([True]), f, qn, qt, gamma=0.9).item(), 0.49, abs_tol=1e-6)   # done
    assert math.isclose(td_loss(torch.tensor([[0.2, 0.6]]), torch.tensor([1]), torch.tensor([1.12])).item(), 0.1352, abs_tol=1e-6)

def test_gru_state_reset_where_a_slot_starts_a_new_puzzle():
    m = _model(ACTConfig(halt_max_steps=5, q_head="gru"))
    b1, b2 = _batch(3, 1), _batch(3, 2)
    c, _ = m(m.initial_carry(b1), b1)
    c, _ = m(c, b1)
    c.halted = torch.tensor([False, True, False])
    c, _ = m(c, b2)
    fresh = m(m.initial_carry(b2), b2)[0].q_state
    assert torch.equal(c.q_state[1], fresh[1])
    assert not torch.allclose(c.q_state[0], m(m.initial_carry(b1), b1)[0].q_state[0])

def test_replay_buffer_wraps_and_stores_bf16():
    rb = ReplayBuffer(4, 3)
    for i in range(6):
        rb.push(s=torch.full((1, 3), i + 0.1), s_next=torch.zeros(1, 3), action=torch.tensor([1]), reward=torch.tensor([float(i)]),
                done=torch.tensor([False]), next_last=torch.tensor([False]))
    assert rb.s.dtype == rb.s_next.dtype == torch.bfloat16 and rb.s.shape == (4, 3)
    assert rb.reward.tolist() == [4.0, 5.0, 2.0, 3.0] and (rb.size, rb.ptr) == (4, 2)
    assert ReplayBuffer(DQNConfig().capacity, 2).s.shape[0] == 20_000

def test_soft_update_and_epsilon():
    t, o = nn.Linear(3, 1), nn.Linear(3, 1)
    before = t.weight.detach().clone()
    soft_update(t, o, 0.005)
    assert torch.allclose(t.weight, 0.995 * before + 0.005 * o.weight)
    c = DQNConfig(eps_steps=10)
    assert [round(epsilon(c, s), 3) for s in (0, 5, 10, 100)] == [0.5, 0.275, 0.05, 0.05]

@pytest.mark.parametrize("tau", [0.3, 0.05])
def test_dqn_target_head_is_the_soft_update_of_the_online_trajectory(tau):
    "After k steps the target head is the closed-form lerp of the online heads it saw: not the first (no update), not the last (tau 1)"
    m = _model(ACTConfig(halt_max_steps=3, halting="dqn", dqn=DQNConfig(tau=tau, replay_batch=8)))
    h, opt, carry, traj = make_halting(m), torch.optim.Adam(m.parameters(), lr=1e-2), None, []
    for i in range(6):
        b = _batch(8, i)
        traj.append([p.detach().double().clone() for p in m.q_head.parameters()])   # the online head before step i + 1
        carry, _, loss, _ = h.step(m, carry or m.initial_carry(b), b)
        opt.zero_grad(); loss.backward(); opt.step()
    ref = traj[0]                                                                  # step 1 copies; steps 2..6 update
    for theta in traj[1:]: ref = [(1 - tau) * r + tau * t for r, t in zip(ref, theta)]
    for r, t, first, last in zip(ref, h.target.parameters(), traj[0], traj[-1]):
        torch.testing.assert_close(t.double(), r, rtol=0, atol=1e-6)
        assert (t.double() - first).abs().max() > 1e-4 and (t.double() - last).abs().max() > 1e-4

def test_the_reasoner_asks_the_policy_it_is_given():
    "A DQN policy whose epsilon has decayed to 0 halts nobody (equal fresh Q values: continue); a fresh one (epsilon 1) halts half"
    m = _model(ACTConfig(halt_max_steps=4, halting="dqn", dqn=DQNConfig(eps_start=1.0, eps_end=0.0, eps_steps=5))).train()
    h, b = DQNHalting(m), _batch(2000, 0)
    h.t = 5
    with torch.no_grad():
        assert not m(m.initial_carry(b), b, h)[1]["halted"].any()
        assert abs(m(m.initial_carry(b), b)[1]["halted"].float().mean().item() - 0.5) < 0.05   # no policy given: a fresh one
    m.eval(); m.act_cfg = m.act_cfg.replace(eval_halting="learned")
    with torch.no_grad(): m.q_head.proj.bias.copy_(torch.tensor([1.0, 0.5]))
    assert m.infer(_batch(4, 1), h)["steps"].tolist() == [1] * 4                # eval: the greedy action, no exploration

def _lm(**act):
    torch.manual_seed(0)
    lm = HybridLMConfig(vocab_size=31, d_model=16, n_layers=2, attention_layers=[1], attn_heads=2, gdn_heads=2, gdn_head_dim=8,
                        max_seq_len=16)
    return RecursiveLM(RecursiveLMConfig(lm=lm, recursion=RecursionConfig(H_cycles=1, L_cycles=1), halt_margin=100.0,
                                         act=ACTConfig(halt_max_steps=3, **act)))

def _lm_batch(seed):
    x = torch.randint(0, 31, (4, 12), generator=torch.Generator().manual_seed(seed))
    return {"inputs": x, "labels": x.roll(-1, 1)}

def test_the_language_model_halts_on_the_loss_margin():
    "halting='bce' on the LM is the margin rule: with a margin of 100 nats every target is 1 (never 'exactly right')"
    m, b = _lm(), _lm_batch(0)
    h = make_halting(m)
    assert isinstance(h, MarginHalting)
    carry, out, loss, met = h.step(m, m.initial_carry(b), b)
    gain = m.seq_loss(out["logits"], b["labels"]) - m.seq_loss(m.head(m.lookahead(carry)), b["labels"])
    assert out["halt_target"].tolist() == [1.0] * 4 and abs(met["next_step_gain"].item() - gain.mean().item()) < 1e-6
    assert "next_step_gain" in h.metric_names and math.isfinite(loss.item())

@pytest.mark.parametrize("q_head", ["mlp", "gru", "attention"])
def test_recursive_lm_trains_with_dqn_halting(q_head):
    "A few steps: losses finite, the replay buffer fills, the target head moves away from its first copy, evaluation runs"
    m = _lm(halting="dqn", q_head=q_head, dqn=DQNConfig(tau=0.2, replay_batch=8, rnd_weight=0.1))
    h, opt, carry = make_halting(m), torch.optim.AdamW(m.parameters(), lr=3e-3), None
    assert isinstance(h, DQNHalting)
    for i in range(5):
        b = _lm_batch(i)
        carry, out, loss, met = h.step(m, carry or m.initial_carry(b), b)
        if i == 0: first = [p.detach().clone() for p in h.target.parameters()]
        opt.zero_grad(); loss.backward(); opt.step()
        assert math.isfinite(loss.item()) and math.isfinite(met["td_loss"].item()) and math.isfinite(met["td_replay_loss"].item())
    assert (h.buffer.size, h.t) == (5 * 4, 5)
    assert max((p - f).abs().max().item() for p, f in zip(h.target.parameters(), first)) > 1e-4
    m.eval(); m.act_cfg = m.act_cfg.replace(eval_halting="learned")
    res = m.infer(_lm_batch(9), h)
    assert res["logits"].shape == (4, 12, 31) and res["steps"].shape == (4, 12)

def test_novel_states_earn_larger_bonuses():
    torch.manual_seed(0)
    seen, new = torch.randn(8, 6), torch.randn(8, 6) + 3
    cn = CountNovelty(6)
    for _ in range(10): cn.update(None, seen)
    assert (cn.bonus(None, new) > cn.bonus(None, seen)).all()
    for mod, s_next, s_new in ((RND(6), seen, new), (ForwardDynamics(6), seen.roll(1, -1), -new)):
        opt = torch.optim.Adam([p for p in mod.parameters() if p.requires_grad], lr=1e-2)
        for _ in range(200):
            loss = mod.update(seen, s_next); opt.zero_grad(); loss.backward(); opt.step()
        s_in = new if isinstance(mod, ForwardDynamics) else None
        assert mod.bonus(s_in, s_new).min() > mod.bonus(seen, s_next).max(), type(mod).__name__

@pytest.mark.parametrize("d,msg", [({"q_head": "lstm"}, "q_head must be one of"), ({"halting": "ppo"}, "halting must be one of"),
                                   ({"dqn": {"capacity": 0}}, "capacity must be >= 1"), ({"dqn": {"eps_start": 1.2}}, "eps_start must be in [0, 1]"),
                                   ({"dqn": {"eps_end": -0.1}}, "eps_end must be in [0, 1]"), ({"dqn": {"tau": 0}}, "tau must be in (0, 1]"),
                                   ({"dqn": {"tau": 1.5}}, "tau must be in (0, 1]")])
def test_bad_halting_fields_name_the_field(d, msg):
    with pytest.raises(ConfigError, match=msg.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)").replace("]", r"\]")):
        ACTConfig.from_dict(d)

def test_dqn_trains_every_head():
    for q in ("mlp", "gru", "attention"):
        m = _model(ACTConfig(halt_max_steps=3, halting="dqn", q_head=q, dqn=DQNConfig(replay_batch=8)))
        h, opt, carry = make_halting(m), torch.optim.Adam(m.parameters(), 1e-3), None
        for i in range(6):
            b = _batch(8, i)
            carry = m.initial_carry(b) if carry is None else carry
            carry, _, loss, met = h.step(m, carry, b)
            opt.zero_grad(); loss.backward(); opt.step()
            assert math.isfinite(loss.item())
        assert h.buffer.size == 48 and h.t == 6

def test_ablation_notebook_refuses_an_unknown_arm(tmp_path):
    err = notebook_error(ROOT / "nbs" / "24_halting_ablation.ipynb", tmp_path, arms="bce_mlp,ppo_mlp", output_dir=str(tmp_path / "out"))
    assert "halting must be one of" in err
    assert not (tmp_path / "out" / "runs").exists()                                  # refused before any training
