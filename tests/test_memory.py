"""The associative memory bank: read/write/replacement on hand-built cases, write timing in the puzzle task, LSH recall
against brute force (and a broken hash that must fail it), bad sizes. SIGKILL + resume with the bank is in
tests/test_resume.py (kind "maze_memory")."""
import math
import pytest
import torch
import numpy as np
from reasoning_nb.config import ConfigError
from reasoning_nb.engine import EngineConfig
from reasoning_nb.models.act import ACTConfig
from reasoning_nb.models.memory import (MemoryBank, MemoryConfig, attend, attend_reference, choose_victims, lsh_codes,
                                        recall_at_k, replacement_reference, bank_lookup)
from reasoning_nb.models.puzzle import PuzzleModel, PuzzleModelConfig
from reasoning_nb.models.recursion import ReasonerNetConfig, RecursionConfig
from reasoning_nb.puzzles.base import PuzzleSet
from reasoning_nb.puzzles.sudoku_data import SUDOKU
from reasoning_nb.train_puzzles import PuzzleTask, PuzzleTrainConfig


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def eye_bank(slots=3, **kw):
    "A bank whose query projection is 20 * identity and value map the identity: a state e_i finds the slot written from e_i"
    torch.manual_seed(0)
    b = MemoryBank(MemoryConfig(memory_slots=slots, key_dim=4, value_dim=4, memory_heads=1, **kw), d_model=4)
    with torch.no_grad():
        b.q_proj.weight.copy_(torch.eye(4) * 20); b.o_proj.weight.copy_(torch.eye(4)); b.v_map.copy_(torch.eye(4))
    return b


def test_read_returns_the_matching_value_and_an_empty_bank_reads_nothing():
    b = eye_bank(); e = torch.eye(4)
    read, top = bank_lookup(b, torch.ones(2, 4))
    assert top.tolist() == [-1, -1] and read.abs().sum() == 0
    b.write(e[:3], e[:3] * torch.tensor([[2.0], [3.0], [4.0]]), torch.ones(3), torch.tensor([0, 1, 2]))
    read, top = bank_lookup(b, b.q_proj(e[[2, 0]]))
    assert top.tolist() == [2, 0]
    torch.testing.assert_close(read, torch.stack([4 * e[2], 2 * e[0]]), atol=1e-3, rtol=0)


@pytest.mark.parametrize("policy,victim", [("lru", 1), ("importance", 2)])
def test_replacement_when_full(policy, victim):
    "Slots 0, 1, 2 written with rewards 1, 0.9, 0.6; slot 0 read (recent, frequent): LRU evicts 1, importance evicts 2"
    b = eye_bank(replacement=policy); e = torch.eye(4)
    b.write(e[:2], e[:2], torch.tensor([1.0, 0.9]), torch.tensor([0, 1]))
    b.write(e[2:3], e[2:3], torch.tensor([0.6]), torch.tensor([2]))
    b.train(); b(e[0].expand(1, 5, 4))
    assert b.write(e[3:4], e[3:4], torch.tensor([1.0]), torch.tensor([3])).tolist() == [victim]
    assert b.family.tolist() == ([0, 3, 2] if victim == 1 else [0, 1, 3])


def test_fast_ops_match_their_references():
    g = torch.Generator().manual_seed(3)
    for policy in ("lru", "importance"):
        for _ in range(30):
            N = 9
            st = dict(freq=torch.randint(0, 5, (N,), generator=g).float(), reward=torch.rand(N, generator=g).round(decimals=1),
                      last_used=torch.randint(0, 8, (N,), generator=g), clock=torch.tensor(9), filled=torch.rand(N, generator=g) > 0.2)
            n = int(torch.randint(1, N + 1, (1,), generator=g))
            assert torch.equal(choose_victims(n, policy=policy, **st), replacement_reference(n, policy=policy, **st))
    q, k, v = torch.randn(7, 16, generator=g), torch.randn(7, 11, 16, generator=g), torch.randn(7, 11, 8, generator=g)
    us = torch.rand(7, 11, generator=g) > 0.4
    (r, t), (rr, tr) = attend(q, k, v, us, 4), attend_reference(q, k, v, us, 4)
    torch.testing.assert_close(r, rr, atol=1e-5, rtol=1e-5); assert torch.equal(t, tr)


def test_lsh_recall_against_brute_force_and_a_broken_hash_fails():
    torch.manual_seed(0)
    N, K = 12_000, 32
    b = MemoryBank(MemoryConfig(memory_slots=N, key_dim=K, value_dim=K, memory_heads=4, index="lsh"), K)
    keys = torch.randn(150, K)[torch.randint(0, 150, (N,))] + 0.3 * torch.randn(N, K)
    with torch.no_grad():
        b.keys.copy_(keys); b.filled.fill_(True); b.codes.copy_(lsh_codes(keys, b.planes))
    q = keys[torch.randint(0, N, (100,))] + 0.3 * torch.randn(100, K)
    assert recall_at_k(b, q, 10) > 0.7
    with torch.no_grad(): b.codes.copy_(lsh_codes(keys, torch.randn_like(b.planes))); b._index = None   # keys hashed with other planes
    assert recall_at_k(b, q, 10) < 0.2


def test_sparse_read_equals_dense_read_when_every_slot_is_a_candidate():
    "Zero hyperplanes put every key and query in bucket 0; with room for all slots, the sparse read is the dense read"
    torch.manual_seed(0)
    kw = dict(memory_slots=20, key_dim=8, value_dim=8, memory_heads=2)
    d = MemoryBank(MemoryConfig(**kw), 8)
    s = MemoryBank(MemoryConfig(**kw, index="lsh", lsh_bits=3, lsh_tables=2, lsh_candidates=20), 8)
    s.load_state_dict({**d.state_dict(), "planes": torch.zeros_like(s.planes), "codes": s.codes})
    x = torch.randn(13, 8)
    for b in (d, s): b.write(x, x, torch.ones(13), torch.arange(13))
    q = torch.randn(5, 8)
    (rd, td), (rs, ts) = bank_lookup(d, q), bank_lookup(s, q)
    torch.testing.assert_close(rs, rd); assert torch.equal(ts, td)


def test_bad_sizes_are_named():
    with pytest.raises(ConfigError, match="memory_slots must be >= 1, got 0"): MemoryConfig(memory_slots=0)
    with pytest.raises(ConfigError, match="memory.memory_slots must be >= 1"): PuzzleModelConfig.from_dict({"memory": {"memory_slots": 0}})
    big, small = eye_bank(slots=8), eye_bank(slots=4)
    small.write(torch.eye(4), torch.eye(4), torch.ones(4), torch.arange(4))
    before = {k: v.clone() for k, v in small.state_dict().items()}
    with pytest.raises(ConfigError, match="memory.memory_slots"): small.load_state_dict(big.state_dict())
    assert all(torch.equal(before[k], v) for k, v in small.state_dict().items())          # nothing already there is lost


def copy_set(n, L=8, V=5, seed=0):
    x = np.random.default_rng(seed).integers(1, V, (n, L)).astype(np.uint8)
    return PuzzleSet(inputs=x, labels=x, puzzle_ids=np.arange(1, n + 1) % 4, ratings=np.zeros(n), vocab_size=V, seq_len=L, meta={})


def test_the_task_writes_after_the_step_that_earned_it():
    """Step 1 reads an empty bank: no read has a top slot, and its logits are those of the same weights without the
    bank, although the gate is open. Its slots are written after it, and step 2's reads find them. A write before
    the forward would fail all three."""
    mem = MemoryConfig(memory_slots=32, key_dim=8, value_dim=8, memory_heads=2, write_threshold=0.0, write_on_halt=False)
    mcfg = PuzzleModelConfig(net=ReasonerNetConfig(d_model=16, n_heads=2), recursion=RecursionConfig(H_cycles=2, L_cycles=1), act=ACTConfig(halt_max_steps=2),
                             vocab_size=5, seq_len=8, memory=mem)
    task = PuzzleTask(mcfg, copy_set(64), copy_set(16, seed=1), kind=SUDOKU, train_cfg=PuzzleTrainConfig(eval_size=8))
    task.setup(torch.device("cpu"), EngineConfig(batch_size=8, device="cpu"))
    model = task.build_model()
    with torch.no_grad(): model.memory.gate.fill_(1.0)                                   # an open gate: a read would show
    bare = PuzzleModel(mcfg.replace(memory=None))
    bare.load_state_dict({k: v for k, v in model.state_dict().items() if ".memory." not in k})
    outs, forward = [], model.forward
    model.forward = lambda carry, batch, halting=None: _spy(forward, outs, carry, batch, halting)
    batch = task.batch(0, 0, 1)
    _, m1, _ = task.loss(model, batch)
    assert math.isnan(m1["memory_hit_rate"]) and m1["memory_writes"] == 8 and model.memory.filled.sum() == 8
    ref = bare(bare.initial_carry(batch), batch)[1]["logits"]
    torch.testing.assert_close(outs[0]["logits"], ref, rtol=0, atol=0)
    _, m2, _ = task.loss(model, task.batch(1, 0, 1))
    assert m2["memory_hit_rate"] >= 0 and model.memory.filled.sum() == 16                # step 2 read what step 1 wrote


def _spy(forward, outs, carry, batch, halting=None):
    carry, out = forward(carry, batch, halting)
    outs.append(out)
    return carry, out


def test_sparse_bank_in_the_puzzle_model_trains_and_reads(tmp_path):
    "index='lsh' in the puzzle model: a short run writes, reads hash candidates, and its gradients reach the bank's projections"
    from reasoning_nb.engine import OptimConfig, setup, train_step
    mem = MemoryConfig(memory_slots=64, key_dim=8, value_dim=8, memory_heads=2, write_threshold=0.0, write_on_halt=False, index="lsh",
                       lsh_tables=4, lsh_bits=3, lsh_candidates=8)
    mcfg = PuzzleModelConfig(net=ReasonerNetConfig(d_model=16, n_heads=2), recursion=RecursionConfig(H_cycles=2, L_cycles=1), act=ACTConfig(halt_max_steps=2),
                             vocab_size=5, seq_len=8, memory=mem)
    task = PuzzleTask(mcfg, copy_set(64), copy_set(16, seed=1), kind=SUDOKU, train_cfg=PuzzleTrainConfig(eval_size=8))
    run = setup(task, EngineConfig(steps=4, batch_size=8, device="cpu", optim=OptimConfig(warmup_steps=1)), tmp_path)
    for _ in range(4): m, _ = train_step(run)
    bank = task.model.memory
    assert bank.filled.sum() == 32 and m["memory_hit_rate"] >= 0
    assert (bank.codes[bank.filled] == lsh_codes(bank.keys[bank.filled], bank.planes)).all()     # codes follow the keys
    assert bank.q_proj.weight.grad is not None and bank.q_proj.weight.grad.abs().sum() > 0


def test_lsh_tables_take_a_bucket_in_different_orders():
    "Each hash table orders a bucket's slots its own way, so the tables' first `per_table` slots differ (more candidates)"
    from reasoning_nb.models.memory import lsh_index, lsh_candidates
    N, L, C = 64, 4, 8
    sc, order = lsh_index(torch.zeros(N, L, dtype=torch.long), torch.ones(N, dtype=torch.bool))   # every slot in one bucket
    cand = lsh_candidates(torch.zeros(1, L, dtype=torch.long), sc, order, C)
    n = int((cand >= 0).sum())
    assert n >= 20, f"{n} distinct candidates from {L} tables x {C}: the tables order the bucket alike"  # ~26 expected
