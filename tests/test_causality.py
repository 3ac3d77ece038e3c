"For every LM, evaluation mode, Q head and halting rule: changing the tokens at positions >= t leaves the logits before t unchanged."
import pytest
import torch
import torch.nn as nn
from reasoning_nb.models.act import ACTConfig
from reasoning_nb.models.hybrid import HybridLM, HybridLMConfig
from reasoning_nb.models.recursion import RecursionConfig
from reasoning_nb.models.recursive_lm import RecursiveLM, RecursiveLMConfig, eval_steps

V, T, CUT = 61, 16, 10
LM = HybridLMConfig(vocab_size=V, d_model=32, n_layers=2, attention_layers=[1], attn_heads=4, gdn_heads=2, gdn_head_dim=8,
                    max_seq_len=32)

def _change_future(idx):
    idx2 = idx.clone(); idx2[:, CUT:] = (idx2[:, CUT:] + 7) % V
    return idx2

def _recursive(mode, eval_halting, idx, q_head="mlp", halting="bce"):
    torch.manual_seed(0)
    m = RecursiveLM(RecursiveLMConfig(lm=LM, recursion=RecursionConfig(H_cycles=2, L_cycles=1, mode=mode),
                                      act=ACTConfig(halt_max_steps=4, eval_halting=eval_halting, q_head=q_head, halting=halting))).eval()
    with torch.no_grad():               # a Q head that halts about half of the positions early, at different steps
        nn.init.normal_(m.q_head.proj.weight, std=3.0); m.q_head.proj.bias.zero_()
        x = m.embed({"inputs": idx}); y, z = m.core(x, *m.core.initial_state(*idx.shape))
        q_halt, q_continue = m.q_head.values(m.q_head.causal_summary(y)[0])
        m.q_head.proj.bias[0] = -(q_halt - q_continue if halting == "dqn" else q_halt).median()
    return m

@pytest.mark.parametrize("model", ["baseline", "trm/all", "trm/learned", "hrm/all", "hrm/learned", "trm/learned/gru",
                                   "trm/learned/attention", "trm/learned/mlp/dqn", "trm/learned/gru/dqn",
                                   "trm/learned/mlp/bce/infer", "hrm/learned/attention/dqn/infer"])
def test_logits_before_t_ignore_tokens_from_t_on(model):
    idx = torch.randint(0, V, (4, T), generator=torch.Generator().manual_seed(1))
    if model == "baseline":
        torch.manual_seed(0); m = HybridLM(LM).eval()
        logits = lambda i: m(i)
    else:
        mode, halting, *rest = model.split("/")
        q_head, rule, path = (rest + ["mlp", "bce", "eval_steps"][len(rest):])
        m = _recursive(mode, halting, idx, q_head, rule)
        if halting == "learned": assert len(eval_steps(m, idx)[1].unique()) > 1, "halting should differ across positions"
        logits = (lambda i: m.infer({"inputs": i, "labels": i})["logits"]) if path == "infer" else (lambda i: eval_steps(m, i)[0])
    with torch.no_grad(): a, b = logits(idx), logits(_change_future(idx))
    assert (a[:, :CUT] - b[:, :CUT]).abs().max().item() < 1e-5
    assert (a[:, CUT:] - b[:, CUT:]).abs().max().item() > 1e-3         # the change is visible where it may be
