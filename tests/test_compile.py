"""The exp8 blocks' compiled parts (norms, SwiGLU, attention; the GDN layers stay eager) have no graph breaks and do not
recompile after a warm-up, in the baseline and in the recursive model. Counted with dynamo's counting backend (its
tracing without inductor, so this takes seconds on a CPU)."""
import sys
from pathlib import Path
import pytest, torch
import torch._dynamo
from torch._dynamo.testing import CompileCounter
from torch._dynamo.utils import counters

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout without `pip install -e .`
from reasoning_nb.models.act import ACTConfig
from reasoning_nb.models.halting import make_halting
from reasoning_nb.models.hybrid import HybridLM, HybridLMConfig
from reasoning_nb.models.recursion import RecursionConfig
from reasoning_nb.models.recursive_lm import RecursiveLM, RecursiveLMConfig, eval_steps
from reasoning_nb.train import compile_blocks

LM = HybridLMConfig(vocab_size=97, d_model=32, n_layers=4, attention_layers=[1, 3], attn_heads=4, gdn_heads=2, gdn_head_dim=8,
                    max_seq_len=32)

@pytest.fixture
def counted():
    "A fresh dynamo cache and counters, and a counting backend"
    torch._dynamo.reset(); counters.clear()
    yield CompileCounter()
    torch._dynamo.reset()

def baseline_round(m, x):
    m.train(); m(x, x).backward(); m.eval()
    with torch.no_grad(): m(x, x)

def recursive_round(m, x):
    batch = {"inputs": x, "labels": x}
    m.train(); loss = make_halting(m).step(m, m.initial_carry(batch), batch)[2]      # one supervision step, as the task runs it
    loss.backward()
    eval_steps(m.eval(), x, x)

@pytest.mark.parametrize("build, one_round", [(lambda: HybridLM(LM), baseline_round),
                                              (lambda: RecursiveLM(RecursiveLMConfig(lm=LM, recursion=RecursionConfig(H_cycles=2, L_cycles=1),
                                                                                     act=ACTConfig(halt_max_steps=2))), recursive_round)],
                         ids=["baseline", "recursive"])
def test_no_graph_breaks_no_recompiles(counted, build, one_round):
    torch.manual_seed(0)
    m = compile_blocks(build(), backend=counted)
    x = torch.randint(0, 97, (2, 16))
    one_round(m, x)                                                     # warm-up: a training step and an evaluation
    assert counted.frame_count == 6, counted.frame_count               # RMSNorm, SwiGLU, attention x (grad, no grad)
    for _ in range(2): one_round(m, x)
    assert counted.frame_count == 6 and dict(counters["graph_break"]) == {}, (counted.frame_count, dict(counters["graph_break"]))

def test_gdn_layers_stay_eager(counted):
    "Only norms, SwiGLU and attention are compiled; a GDN mixer's forward is the plain module's"
    m = compile_blocks(HybridLM(LM), backend=counted)
    kinds = {b.kind: b for b in m.backbone.blocks}
    assert kinds["gdn"].mixer._compiled_call_impl is None and kinds["attn"].mixer._compiled_call_impl is not None
    assert all(b.norm1._compiled_call_impl is not None and b.mlp._compiled_call_impl is not None for b in m.backbone.blocks)
