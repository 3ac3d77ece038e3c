"The LLM <-> TRM hybrid (tiny random Qwen3 LM, tiny TRM, 5x5 mazes): grid text, verifier, planner, adapters, pipeline."
import json
from pathlib import Path
import numpy as np
import pytest
import torch
from reasoning_nb.config import ConfigError
from reasoning_nb.frozen_lm import tiny_lm, load_lm
from reasoning_nb.models.lm_trm import AdapterConfig, TextToLatent, adapters_for, trm_from_state
from reasoning_nb.models.puzzle import PuzzleModel
from reasoning_nb.puzzles.arc import ARCTask
from reasoning_nb.puzzles.grid_text import (ARC_TEXT, SUDOKU_TEXT, Parsed, PlannerConfig, grid_to_text, maze_text, parse_grid, plan,
                                            verify_arc, verify_maze, verify_sudoku)
from reasoning_nb.puzzles.maze import PATH, OPEN, generate_mazes
from reasoning_nb.puzzles.sudoku import BLANK, generate_sudoku
from reasoning_nb.train_hybrid import HybridParams, HybridTask, hybrid_data, run_hybrid
from reasoning_nb.engine import EngineConfig

torch.set_num_threads(1)

@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    return load_lm(str(tiny_lm(tmp_path_factory.mktemp("tiny") / "m", init_std=0.3)))

@pytest.fixture(scope="module")
def mazes():
    q, a, _, _ = generate_mazes(3, size=5, min_path_len=3, seed=1, progress=False)
    return q, a

def test_verifier_rejects_a_wrong_sudoku():
    q, s, _, _ = generate_sudoku(1, min_rating=0, seed=3, progress=False)
    q, s = q[0] + 1, s[0] + 1
    assert verify_sudoku(q, Parsed(s.reshape(9, 9))).ok
    i, j = np.flatnonzero(q == BLANK)[:2]
    w = s.copy(); w[i], w[j] = s[j], s[i]
    v = verify_sudoku(q, Parsed(w.reshape(9, 9)))
    assert not v.ok and "repeats a digit" in v.feedback
    g = int(np.flatnonzero(q != BLANK)[0]); c = s.copy(); c[g] = s[g] % 9 + 2
    assert not verify_sudoku(q, Parsed(c.reshape(9, 9))).ok

def test_verifier_rejects_a_broken_maze_path(mazes):
    q, a = mazes
    assert verify_maze(q[0], Parsed(a[0].reshape(5, 5))).ok
    b = a[0].copy(); b[np.flatnonzero(b == PATH)[0]] = OPEN
    assert not verify_maze(q[0], Parsed(b.reshape(5, 5))).ok

def test_arc_verifier_uses_the_demonstrations():
    t = ARCTask("t", train=[(np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8))], test=[(np.zeros((3, 3), np.uint8), None)])
    assert verify_arc(t, Parsed(np.ones((3, 3), np.uint8))).ok
    assert "implies 3x3" in verify_arc(t, Parsed(np.ones((2, 3), np.uint8))).feedback
    assert "colour(s) [5]" in verify_arc(t, Parsed(np.full((3, 3), 5, np.uint8))).feedback

def test_parser_refuses_malformed_answers(mazes):
    q, a = mazes
    text = grid_to_text(a[0], maze_text(5))
    assert np.array_equal(parse_grid("Sure!\n" + text + "\nThat is all.", maze_text(5)).grid.ravel(), a[0])
    assert parse_grid("\n".join(text.splitlines()[:4]), maze_text(5)).error == "expected 5 rows, found 4"
    assert parse_grid(text[:-1], maze_text(5)).grid is None
    assert parse_grid("1 2\n3", ARC_TEXT).grid is None and parse_grid("", SUDOKU_TEXT).grid is None

def test_planner_feeds_the_feedback_back(mazes):
    q, a = mazes
    good, bad = grid_to_text(a[0], maze_text(5)), "nothing"
    solve = lambda p: good if "could not be read" in p else bad
    vf = lambda x: verify_maze(q[0], x)
    r = plan("maze", solve, vf, maze_text(5), PlannerConfig(max_attempts=3))
    assert r.passed and len(r.attempts) == 2 and np.array_equal(r.grid.ravel(), a[0])
    r = plan("maze", solve, vf, maze_text(5), PlannerConfig(max_attempts=3, use_feedback=False))
    assert not r.passed and len(r.attempts) == 3 and r.grid is None

def test_planner_stops_at_the_first_pass(mazes):
    q, a = mazes
    answers = iter([grid_to_text(a[0], maze_text(5)), "nothing"])
    r = plan("maze", lambda p: next(answers), lambda x: verify_maze(q[0], x), maze_text(5), PlannerConfig(max_attempts=2))
    assert r.passed and len(r.attempts) == 1

def _tiny_trm(seq_len=25):
    return PuzzleModel(HybridParams().model.replace(vocab_size=6, seq_len=seq_len))

def test_text_to_latent_starts_as_the_trm_and_reaches_the_loss(lm):
    model, tok = lm
    trm = _tiny_trm()
    ad = adapters_for(AdapterConfig(bottleneck=16, read="attend"), model, trm.cfg)
    enc = tok(["S..G", "#"], return_tensors="pt", padding=True)
    h = model(**enc, output_hidden_states=True).hidden_states[-1]
    y, z = trm.core.initial_state(2, 25)
    y0, z0, _ = ad.to_latent(h, enc.attention_mask, y, z)
    assert torch.equal(y0, y) and torch.equal(z0, z)
    torch.nn.init.normal_(ad.to_latent.up.weight, std=0.1)
    y0, z0, _ = ad.to_latent(h, enc.attention_mask, y, z)
    data = {"inputs": torch.randint(1, 6, (2, 25)), "puzzle_ids": torch.zeros(2, dtype=torch.long)}
    logits, _ = trm_from_state(trm, data, y0, z0, n_steps=1)     # H_cycles = 2: the first cycle must be differentiated too
    logits[0].square().sum().backward()
    assert ad.to_latent.pos.grad.abs().sum() > 0

def test_pipeline_tiny(lm, tmp_path):
    model_dir = str(Path(lm[0].name_or_path))
    r = run_hybrid(HybridParams.from_flat({"model": model_dir, "maze_size": 5, "min_path_len": 3, "n_train": 8, "n_test": 2,
                                           "pretrain_steps": 4, "steps": 3, "eval_interval": 3, "output_dir": str(tmp_path / "run"),
                                           "cache_dir": str(tmp_path / "cache")}), progress=False)
    m = r["methods"]
    assert set(m) == {"copy", "majority", "trm", "hybrid_trm", "llm", "hybrid_lm"}
    for k in ("trm", "hybrid_trm", "llm", "hybrid_lm"):
        off, on = m[k]["verifier_off"], m[k]["verifier_on"]
        assert off["n"] == on["n"] == 2 and off["attempts"] == 1 and 1 <= on["attempts"] <= 3
        assert on["passed"] >= off["passed"]
    saved = json.loads(Path(r["paths"]["results"]).read_text())
    assert saved["settings"]["maze_size"] == 5 and Path(r["paths"]["plot"]).exists()
    ev = r["hybrid_training"]["eval_curve"]
    assert ev[-1]["text_loss"] < ev[0]["text_loss"]

def test_hybrid_trains_the_adapters_not_the_frozen_trm(lm, tmp_path):
    model, tok = lm
    from reasoning_nb.puzzles.maze import MAZE, MazeConfig
    tr, te = MAZE.build(MazeConfig(maze_size=5, min_path_len=3, n_train=4, n_test=2, cache_dir=str(tmp_path)))
    trm = _tiny_trm()
    task = HybridTask(trm, adapters_for(AdapterConfig(bottleneck=16), model, trm.cfg), model, tok("A:").input_ids,
                      hybrid_data(tr, model, tok), hybrid_data(te, model, tok))
    task.setup(torch.device("cpu"), EngineConfig(batch_size=2))
    net = task.build_model()
    loss, m, _ = task.loss(net, task.batch(0, 0, 1))
    loss.backward()
    assert all(p.grad is None for p in net.trm.parameters())
    assert net.adapters.to_text.proj.weight.grad.abs().sum() > 0 and net.adapters.to_latent.up.weight.grad.abs().sum() > 0
    trm2 = _tiny_trm()                                                    # train_trm=True: the TRM learns with the adapters
    task2 = HybridTask(trm2, adapters_for(AdapterConfig(bottleneck=16), model, trm2.cfg), model, tok("A:").input_ids,
                       task.train, task.test, train_trm=True)
    task2.setup(torch.device("cpu"), EngineConfig(batch_size=2))
    net2 = task2.build_model()
    task2.loss(net2, task2.batch(0, 0, 1))[0].backward()
    assert all(p.requires_grad for p in net2.trm.parameters())
    assert sum(p.grad.abs().sum() for p in net2.trm.parameters() if p.grad is not None) > 0

def test_bad_settings_name_the_field():
    with pytest.raises(ConfigError, match="mode the hybrid drives a TRM"): HybridParams.from_flat({"mode": "hrm"})
    with pytest.raises(ConfigError, match="read must be one of"): HybridParams.from_flat({"read": "cross"})
    with pytest.raises(ConfigError, match="max_attempts must be >= 1"): HybridParams.from_flat({"max_attempts": 0})
