"""Exact resume: a run SIGKILLed after a checkpoint and resumed equals an uninterrupted run, bit for bit.

The kill is deterministic: the training process kills itself (SIGKILL, no cleanup) from an engine callback a few
steps after its mid-run checkpoint, so the test does not depend on timing and passes alone or in any order. The
recursive LM and the puzzle model draw random numbers after the resume point (halting exploration), so a resume
that forgot the RNG state, the optimizer or the carried slots would diverge. The DQN-halting puzzle run (GRU Q head,
RND + count bonuses) also carries a replay buffer, a target head, the intrinsic modules and their optimizer: a
resume that lost any of them would draw other replay batches and diverge, and its final replay state must equal
the uninterrupted run's; so does the recursive LM with DQN halting (GRU Q head); the memory run carries the memory bank."""
import json, signal, subprocess, sys, textwrap
import pytest
import torch
from reasoning_nb.metrics import read_jsonl
from conftest import CLI, TINY, run_cli

RUNNER = textwrap.dedent("""
    import os, signal, sys
    from reasoning_nb.engine import fit
    out, kind, kill_at, resume = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
    if kind in ("baseline", "recursive", "recursive_dqn"):
        from reasoning_nb.train import Exp8Params, LMTask, RecursiveLMTask, pad_vocab
        from reasoning_nb.data import load_lm_data
        model_type = "baseline" if kind == "baseline" else "recursive"
        dqn = dict(halting="dqn", q_head="gru", eval_halting="learned", capacity=30, replay_batch=8, eps_steps=6,
                   rnd_weight=0.1, novelty_weight=0.1) if kind == "recursive_dqn" else {}
        p = Exp8Params.from_flat(dict(d_model=32, n_layers=2, attention_layers=[1], attn_heads=2, gdn_heads=2, gdn_head_dim=8,
                                      seq_len=32, batch_size=4, max_chars=200_000, vocab_size=300, steps=12, warmup_steps=2,
                                      eval_interval=3, ckpt_interval=7, eval_batches=2, H_cycles=1, halt_max_steps=3, ema=True,
                                      ema_decay=0.5, model_type=model_type, **dqn))
        data = load_lm_data(p.data)
        task = (LMTask if kind == "baseline" else RecursiveLMTask)(p.model_config(model_type, pad_vocab(data.tokenizer.vocab_size)),
                                                                   data, seq_len=p.task.seq_len, eval_batches=p.task.eval_batches,
                                                                   name=model_type)
        cfg = p.engine
    else:
        from reasoning_nb.train_puzzles import PuzzleParams
        flat = dict(dataset="maze", maze_size=5, n_train=40, n_test=8, n_aug=0, min_path_len=2, d_model=16, n_heads=2, H_cycles=1,
                    L_cycles=1, halt_max_steps=3, halt_exploration_prob=0.5, eval_size=8, steps=12, batch_size=8, eval_interval=3,
                    ckpt_interval=7, ema=True, ema_decay=0.5, device="cpu", lr=1e-3, warmup_steps=2)
        if kind == "maze_dqn":
            flat |= dict(halting="dqn", q_head="gru", capacity=50, replay_batch=8, eps_steps=6, rnd_weight=0.1, novelty_weight=0.1)
        if kind == "maze_memory":
            flat |= dict(use_memory=True, memory_slots=16, key_dim=8, value_dim=8, memory_heads=2, write_threshold=0.0, replacement="importance")
        p = PuzzleParams.from_flat(flat)
        tr, te = p.kind.build(p.data_config())
        task, cfg = p.make_task(tr, te), p.engine_config(tr)
    build = task.build_model
    def eager_to_halt():                 # a Q head that says "halt" at once: exploration (random) decides the steps
        m = build()
        if hasattr(m, "q_head"): m.q_head.proj.bias.data.fill_(5.0)
        return m
    task.build_model = eager_to_halt
    def kill(run, metrics):
        if run.step == kill_at: os.kill(os.getpid(), signal.SIGKILL)
    fit(task, cfg, out, resume=resume, callbacks=(kill,), progress=False)
""")

def _run(out, kind, kill_at=-1, resume=False):
    return subprocess.run([sys.executable, "-c", RUNNER, str(out), kind, str(kill_at), "1" if resume else "0"],
                          capture_output=True, text=True)

def _records(out, name):
    recs = read_jsonl(out / "results" / f"metrics_{name}.jsonl")
    return [r["loss"] for r in recs if r["kind"] == "train"], [{k: v for k, v in r.items() if k != "time"} for r in recs if r["kind"] == "eval"]

@pytest.mark.parametrize("kind,name", [("recursive", "recursive"), ("recursive_dqn", "recursive"), ("maze", "maze_trm"),
                                       ("maze_dqn", "maze_trm"), ("maze_memory", "maze_trm"), ("baseline", "baseline")])
def test_sigkill_after_checkpoint_then_resume_is_exact(tmp_path, kind, name):
    r = _run(tmp_path / "full", kind)
    assert r.returncode == 0, r.stderr[-3000:]
    ref_train, ref_eval = _records(tmp_path / "full", name)
    r = _run(tmp_path / "killed", kind, kill_at=9)                       # checkpoint at 7 (slots mid-example), killed at 9
    assert r.returncode == -signal.SIGKILL, r.stderr[-3000:]
    train, _ = _records(tmp_path / "killed", name)
    assert len(train) == 9 and train == ref_train[:9]                     # the kill came after the checkpoint
    r = _run(tmp_path / "killed", kind, resume=True)
    assert r.returncode == 0, r.stderr[-3000:]
    train, evals = _records(tmp_path / "killed", name)
    assert train == ref_train and len(train) >= 12                        # bit-for-bit equal floats, every step
    assert evals == ref_eval
    a, b = (torch.load(d / f"checkpoints_{name}" / "last.pt", weights_only=True) for d in (tmp_path / "full", tmp_path / "killed"))
    assert all(torch.equal(a["ema"]["shadow"][k], b["ema"]["shadow"][k]) for k in a["ema"]["shadow"])   # the EMA too
    if kind in ("maze_dqn", "recursive_dqn"):                             # the replay buffer, target head and bonus state too
        ha, hb = a["task"][0]["halting"], b["task"][0]["halting"]
        if kind == "maze_dqn": assert ha["t"] == hb["t"] == 12 and ha["buffer"]["size"] == hb["buffer"]["size"] == 50   # 96 pushed: wrapped
        else: assert ha["t"] == hb["t"] == len(train) and ha["buffer"]["size"] == hb["buffer"]["size"] == 30     # 4 a step: wrapped
        for k in ("s", "s_next", "action", "reward", "done", "next_last"): assert torch.equal(ha["buffer"][k], hb["buffer"][k]), k
        assert all(torch.equal(ha["target"][k], hb["target"][k]) for k in ha["target"])
        assert all(torch.equal(v, hb["intrinsic"]["modules"][k]) for k, v in ha["intrinsic"]["modules"].items())
    if kind == "maze_memory":                                             # the memory bank: keys, values, usage, clock
        from safetensors.torch import load_file
        a, b = (load_file(d / f"checkpoints_{name}" / "last.safetensors") for d in (tmp_path / "full", tmp_path / "killed"))
        bank = [k for k in a if ".memory." in k]
        assert len(bank) >= 9 and a["core.memory.filled"].all() and int(a["core.memory.clock"]) == 12
        assert all(torch.equal(a[k], b[k]) for k in bank)

def test_extend_steps_continues_a_finished_run_to_the_given_total(tmp_path):
    "seed 000: `--extend-steps 16` resumes and extends the run *to* 16 steps"
    args = [*TINY, "--steps", 10, "--ckpt_interval", 5, "--eval_interval", 5]
    run_cli("--output_dir", tmp_path, *args)
    before, _ = _records(tmp_path, "baseline")
    r = run_cli("--output_dir", tmp_path, *args, "--resume", "true")     # finished: nothing to do, and it says so
    assert "nothing to do" in r.stdout and _records(tmp_path, "baseline")[0] == before
    run_cli("--output_dir", tmp_path, *args, "--resume", "--extend-steps", 16)
    after, _ = _records(tmp_path, "baseline")
    assert len(after) == 16 and after[:10] == before
    r = run_cli("--output_dir", tmp_path, *args, "--resume", "--extend-steps", 12)   # already past 12: nothing to do
    assert "nothing to do" in r.stdout and len(_records(tmp_path, "baseline")[0]) == 16

def test_resume_from_best_model(tmp_path):
    args = [*TINY, "--steps", 6, "--ckpt_interval", 6, "--eval_interval", 3]
    run_cli("--output_dir", tmp_path, *args)
    best = tmp_path / "checkpoints_baseline" / "best_model.pt"
    assert best.exists()
    r = run_cli("--output_dir", tmp_path, *args, "--resume", best, "--extend-steps", 8)
    res = json.loads((tmp_path / "results" / "training_results_baseline.json").read_text())
    assert res["resumed_from"] in (3, 6) and res["steps"] == 8, res["resumed_from"]


def test_resume_from_a_checkpoint_named_relative_to_the_output_folder(tmp_path):
    "seed 000's spelling from another folder: `--resume checkpoints_baseline/best_model.pt` is found in output_dir"
    out = tmp_path / "run"
    args = [*TINY, "--steps", 4, "--ckpt_interval", 4, "--eval_interval", 2]
    run_cli("--output_dir", out, *args)
    (tmp_path / "elsewhere").mkdir()
    run_cli("--output_dir", out, *args, "--resume", "checkpoints_baseline/best_model.pt", "--extend-steps", 6,
            cwd=tmp_path / "elsewhere")
    res = json.loads((out / "results" / "training_results_baseline.json").read_text())
    assert res["resumed_from"] in (2, 4) and res["steps"] == 6
