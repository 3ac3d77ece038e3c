"""The puzzle step under `torch.compile` on CPU (issue 18): the model the engine compiles (`EngineConfig.compile`) runs
the training step with no graph break, compiles nothing new after the warm-up (the first step's empty carry, then
the steady state), and gives the eager run's losses.

Dynamo's own counters and `error_on_recompile` do the counting; the "eager" backend keeps Inductor's C++ build out
of a CPU test (graph breaks and recompiles are decided by Dynamo, before any backend)."""
import tempfile
import pytest
import torch
import torch._dynamo as dynamo
from torch._dynamo.utils import counters
from reasoning_nb.engine import setup, train_step
from reasoning_nb.models.act import RecursiveReasoner
from reasoning_nb.train_puzzles import PuzzleParams

WARMUP, STEPS = 2, 5        # step 1: the empty initial carry; step 2: the carried state; then nothing new may compile


def _losses(flat: dict, compile: bool, backend: str = "eager") -> tuple[list, dict]:
    "Training losses of STEPS engine steps, and Dynamo's counters after the first step, the warm-up and the rest"
    flat = dict(flat); empty = flat.pop("empty_carry", False)
    p = PuzzleParams.from_flat(dict(dataset="maze", maze_size=5, min_path_len=2, n_train=16, n_test=4, n_aug=0, d_model=16,
                                    n_heads=2, H_cycles=2, L_cycles=2, halt_max_steps=3, batch_size=4, device="cpu",
                                    compile=compile, **flat))
    task = p.make_task(*p.kind.build(p.data_config()))
    task.compile = lambda net: torch.compile(net, backend=backend)
    run = setup(task, p.engine, tempfile.mkdtemp())
    if empty: run.model.initial_carry = lambda b: RecursiveReasoner.initial_carry(run.model, b)   # the generic [B, 0, D] carry
    dynamo.reset(); counters.clear()
    losses, seen = [], {}
    for i in range(STEPS):
        with dynamo.config.patch(error_on_recompile=i >= WARMUP):        # a recompile after the warm-up raises
            m, _ = train_step(run)
        losses.append(float(m["loss"]))
        if i == 0: seen["first"] = dict(counters["stats"])
        if i + 1 == WARMUP: seen["warmup"] = dict(counters["stats"])
    seen["end"], seen["breaks"] = dict(counters["stats"]), dict(counters["graph_break"])
    return losses, seen


@pytest.mark.parametrize("flat", [dict(halting="bce"), dict(halting="dqn", q_head="gru", replay_batch=4, eps_steps=4),
                                  dict(mode="hrm"), dict(halting="bce", empty_carry=True)],
                         ids=["trm_bce", "trm_dqn_gru", "hrm", "trm_bce_empty_carry"])
def test_puzzle_step_compiles_without_graph_breaks_or_recompiles(flat):
    compiled, seen = _losses(flat, compile=True)
    assert seen["breaks"] == {}, seen["breaks"]                               # no graph break, first step included
    assert seen["end"]["unique_graphs"] == seen["warmup"]["unique_graphs"] > 0, seen   # nothing compiled after the warm-up
    eager, _ = _losses(flat, compile=False)
    assert compiled == pytest.approx(eager, rel=1e-5, abs=1e-6), (compiled, eager)


def test_step_outputs_with_gradient_are_only_the_loss_inputs():
    """Inductor's compiled backward fails on CPU when the step returns a view of y with gradient that the loss does not
    use (a missing tangent): the Q head's summary in `out` is detached (what DQN halting stores), the loss inputs are not"""
    from reasoning_nb.models.puzzle import PuzzleModel, PuzzleModelConfig
    from reasoning_nb.models.recursion import ReasonerNetConfig, RecursionConfig
    m = PuzzleModel(PuzzleModelConfig(net=ReasonerNetConfig(d_model=8, n_heads=2), recursion=RecursionConfig(H_cycles=1, L_cycles=1),
                                      vocab_size=5, seq_len=6))
    batch = {"inputs": torch.randint(1, 5, (2, 6)), "labels": torch.randint(1, 5, (2, 6)), "puzzle_ids": torch.zeros(2, dtype=torch.long)}
    _, out = m(m.initial_carry(batch), batch)
    assert {k for k, v in out.items() if torch.is_tensor(v) and v.requires_grad} == {"logits", "q_halt", "q_continue"}


@pytest.mark.slow
def test_puzzle_step_under_inductor_gives_the_eager_losses():
    "The engine's compile=True with inductor itself (minutes of C++ builds on CPU): it trains, and as the eager run does"
    compiled, _ = _losses(dict(halting="bce"), compile=True, backend="inductor")
    eager, _ = _losses(dict(halting="bce"), compile=False)
    assert compiled == pytest.approx(eager, rel=1e-4, abs=1e-5), (compiled, eager)


def test_puzzle_step_compiles_once():
    "The puzzle model's first carry has the shape of every later one, so the first step compiles all there is (half the warm-up)"
    _, seen = _losses(dict(halting="bce"), compile=True)
    assert seen["first"]["unique_graphs"] == seen["end"]["unique_graphs"] > 0, seen
