"""CPU export: the INT8 benchmark runs end to end and reports accuracy and speed; the 1-bit and spiking Q heads agree
with the float head on hand-checked cases; an INT8 model with a memory bank still reads it."""
import json, sys
from pathlib import Path
import pytest
import torch
import torch.nn as nn
from reasoning_nb.models.act import ACTConfig, QHead
from reasoning_nb.models.export import (BinaryLinear, binarize, halting_agreement, lif_run, quantize_int8, spiking_q_head)
from reasoning_nb.models.memory import MemoryConfig
from reasoning_nb.models.puzzle import PuzzleModel, PuzzleModelConfig
from reasoning_nb.models.recursion import ReasonerNetConfig, RecursionConfig

ROOT = Path(__file__).resolve().parents[1]


def test_bench_export_runs_and_reports(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_export
    out = tmp_path / "export.json"
    res = bench_export.main(["--out_dir", str(tmp_path / "run"), "--steps", "6", "--d_model", "16", "--halt_max_steps", "2",
                             "--repeats", "1", "--widths", "32", "--out", str(out)])
    saved = json.loads(out.read_text())
    for name in ("float32", "int8"):
        assert 0 <= saved[name]["exact_accuracy"] <= 1 and saved[name]["puzzles_per_s"] > 0 and saved[name]["n"] == 200
    assert saved["int8"]["linear_weight_bytes"] * 4 == saved["float32"]["linear_weight_bytes"]
    assert 0 <= saved["int8_vs_float"]["same_answer"] <= 1
    assert set(saved["halting"]) >= {"1-bit", "spiking T=64"} and all(0 <= r["agreement"] <= 1 for r in saved["halting"].values())
    assert res["train_seconds"] is not None and saved["throughput"][0]["int8_puzzles_per_s"] > 0
    assert all(0 <= r["agreement_at_median"] <= 1 for r in saved["halting"].values())
    again = bench_export.main(["--out_dir", str(tmp_path / "run"), "--steps", "6", "--d_model", "16", "--halt_max_steps", "2",
                               "--repeats", "1", "--widths", ""])                            # loads the checkpoint
    assert again["train_seconds"] is None and again["float32"]["exact_accuracy"] == saved["float32"]["exact_accuracy"]


def test_one_bit_head_by_hand():
    "W = [[0.5, -1.5], [2, 0]] -> alpha (1, 1), binary [[1, -1], [1, 1]]; y = (1, 2) with bias (0.1, -3) -> (-0.9, 0)"
    qh = QHead(2)
    with torch.no_grad(): qh.proj.weight.copy_(torch.tensor([[0.5, -1.5], [2.0, 0.0]])); qh.proj.bias.copy_(torch.tensor([0.1, -3.0]))
    b = binarize(qh)
    assert isinstance(b.proj, BinaryLinear) and type(qh.proj) is nn.Linear                  # the float head is untouched
    q_halt, q_cont = b(torch.tensor([[[1.0, 2.0]]]))
    torch.testing.assert_close(torch.stack([q_halt, q_cont]).flatten(), torch.tensor([-0.9, 0.0]))
    ys = torch.tensor([[[1.0, 2.0]], [[3.0, 0.0]]])                                         # float q_halt: -2.4, 1.6; binary: -0.9, 3.1
    assert halting_agreement(qh, b, ys)["agreement"] == 1.0


def test_spiking_head_by_hand():
    "Current 0.25, threshold 1, 10 steps, no leak: spikes at steps 4 and 8 -> decoded 0.2; leak 0.5 never fires"
    assert lif_run(torch.tensor([[0.25]]), torch.tensor([1.0]), 10)[:, 0, 0].tolist() == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    qh = QHead(2)
    with torch.no_grad(): qh.proj.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0]])); qh.proj.bias.zero_()
    ys = torch.tensor([[[0.25, 0.0]], [[1.0, 0.0]], [[-0.5, 0.0]]])
    s = spiking_q_head(qh, ys, steps=10)
    torch.testing.assert_close(torch.stack(s(ys), 1), torch.tensor([[0.2, -0.2], [1.0, -1.0], [-0.5, 0.5]]))
    assert halting_agreement(qh, s, ys)["agreement"] == 1.0
    assert halting_agreement(qh, spiking_q_head(qh, ys, steps=10, beta=0.5), ys)["agreement"] == pytest.approx(2 / 3)   # 0.25 reads as 0


def test_int8_model_with_memory_runs():
    torch.manual_seed(0)
    cfg = PuzzleModelConfig(net=ReasonerNetConfig(d_model=16, n_heads=2), recursion=RecursionConfig(H_cycles=2, L_cycles=1), act=ACTConfig(halt_max_steps=2),
                            vocab_size=6, seq_len=8, memory=MemoryConfig(memory_slots=8, key_dim=8, value_dim=8, memory_heads=2))
    m = PuzzleModel(cfg).eval()
    m.memory.write(torch.randn(4, 16), torch.randn(4, 16), torch.ones(4), torch.arange(4))
    with torch.no_grad(): m.memory.gate.fill_(1.0)
    q = quantize_int8(m)
    batch = {"inputs": torch.randint(1, 6, (3, 8)), "labels": torch.randint(1, 6, (3, 8)), "puzzle_ids": torch.zeros(3, dtype=torch.long)}
    lf, lq = m.infer(batch)["logits"], q.infer(batch)["logits"]
    assert ((lq - lf).norm() / lf.norm()) < 0.1 and torch.equal(q.memory.keys, m.memory.keys)
