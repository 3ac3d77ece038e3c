"Phase 1a soft-prompt memory: loss positions, batched = per-pair loop, convergence and health, greedy decoding, resume, bad inputs."
import json, warnings
import papermill as pm
import pytest
import torch
from conftest import ROOT, SHARED_DATA, run_notebook, notebook_error
import reasoning_nb.phase1a as p1a
from reasoning_nb.config import ConfigError
from reasoning_nb.engine import OptimConfig
from reasoning_nb.frozen_lm import greedy, load_lm, tiny_lm, token_embeddings
from reasoning_nb.pairs import QAPair, load_pairs
from reasoning_nb.phase1a import Phase1aParams
from reasoning_nb.models.soft_prompt import (SoftPromptConfig, converged, curve_health, encode_pair, generator_loss,
                                              init_contents, make_rows, mode_vectors, optimise, per_problem_loop, sp_prompt)

NB = ROOT / "nbs" / "23_phase1a.ipynb"
SQUAD = SHARED_DATA / "squad2_dev" / "cs224n_dev-v2.0.json"
torch.set_num_threads(1)
ADAM = OptimConfig(lr=1e-2, beta1=0.9, beta2=0.9, weight_decay=0.01)          # the soft prompts' AdamW


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    "A random Qwen3 (width 32, 2 layers) with a character tokenizer, saved and loaded like any checkpoint"
    d = tiny_lm(tmp_path_factory.mktemp("tiny") / "m", d_model=32, init_std=0.3, seed=1)
    lm, tok = load_lm(str(d))
    return lm, tok, mode_vectors(lm, tok, ("question", "answer")), d


def enc(tok, s): return tok.encode(s, add_special_tokens=False)


def test_first_target_token_is_scored_from_last_prompt_position(tiny):
    lm, tok, _, _ = tiny
    E = token_embeddings(lm)
    torch.manual_seed(0)
    prompt, tgt = torch.randn(1, 4, 32) * 0.3, torch.tensor([enc(tok, "abc")])
    logp = lm(inputs_embeds=torch.cat([prompt, E[tgt]], 1)).logits.log_softmax(-1)[0]        # (7, V)
    by_hand = -(logp[3, tgt[0, 0]] + logp[4, tgt[0, 1]] + logp[5, tgt[0, 2]]) / 3             # positions P-1, P, P+1
    torch.testing.assert_close(generator_loss(lm, tgt, prompt)[0], by_hand, atol=1e-5, rtol=0)
    # a single-token target is read from the last prompt vector only: changing an earlier *target* cannot matter
    torch.testing.assert_close(generator_loss(lm, tgt[:, :1], prompt)[0], -logp[3, tgt[0, 0]], atol=1e-5, rtol=0)
    padded = torch.tensor([enc(tok, "abc") + [0, 0], enc(tok, "hello")])
    both = generator_loss(lm, padded, prompt.expand(2, -1, -1), padded != 0)
    torch.testing.assert_close(both[0], by_hand, atol=1e-5, rtol=0)


@pytest.mark.parametrize("stop_loss", [0.0, 4.7])
def test_batched_equals_per_pair_loop(tiny, stop_loss):
    lm, tok, modes, _ = tiny
    qa = [("12+30=?", "42"), ("7+5=?", "12"), ("what is 3+3?", "6")]
    rows = make_rows([[(0, enc(tok, q)), (1, enc(tok, a))] for q, a in qa for _ in range(2)])   # 3 pairs x 2 restarts
    cfg = SoftPromptConfig(K=3, restarts=2, stop_loss=stop_loss, stop_pair=False)
    starts = init_contents([f"t:{i}" for i in range(6)], 3, 32, token_embeddings(lm).std().item(), 0)
    st = optimise(lm, starts, modes, rows, [0, 0, 1, 1, 2, 2], cfg, ADAM, 25, progress=False)
    if stop_loss: assert min(st.updates) < 25 <= max(st.updates), st.updates      # some rows stopped early, some not
    for c, ref in zip(st.c, per_problem_loop(lm, starts, modes, rows, cfg, ADAM, 25)):
        torch.testing.assert_close(c.detach(), ref, atol=1e-4, rtol=0)


def test_convergence_rule_and_health_on_synthetic_curves():
    assert converged(1.0, random=4.0, full_context=5.0)            # < 0.3 x random
    assert converged(1.0, random=2.0, full_context=0.6)            # < 2 x full context
    assert not converged(1.0, random=3.0, full_context=0.5)
    x = torch.linspace(0, 1, 200)
    curves = {"healthy": 5 * torch.exp(-4 * x), "plateau_then_drop": torch.where(x < 0.4, 5 - 0.2 * x, 4.92 - 8 * (x - 0.4)),
              "oscillating": 4 - x + torch.sin(60 * x), "flat": 3 + 0.02 * torch.cos(7 * x), "diverging": 2 + x ** 2}
    assert {k: curve_health(v.tolist()) for k, v in curves.items()} == {k: k for k in curves}
    assert curve_health([1.0, float("inf")]) == "diverging"


def test_adamw_takes_the_pipeline_settings(tiny):
    from reasoning_nb.models.soft_prompt import sp_init
    lm, tok, modes, _ = tiny
    o = Phase1aParams.from_flat({"lr": 0.05, "beta1": 0.8, "beta2": 0.7, "weight_decay": 0.2}).engine.optim
    st = sp_init(init_contents(["a"], 2, 32, 0.3, 0), modes, make_rows([[(0, [5, 6])]]), [0], SoftPromptConfig(K=2), o)
    assert (st.opt.defaults["lr"], st.opt.defaults["betas"], st.opt.defaults["weight_decay"]) == (0.05, (0.8, 0.7), 0.2)


@pytest.mark.parametrize("order", ["mode_first", "c_first"])
def test_greedy_decode_of_an_optimised_c_reproduces_its_target(tiny, order):
    lm, tok, modes, _ = tiny
    target = enc(tok, "Paris")
    st = optimise(lm, init_contents(["g"], 8, 32, 0.3, 0), modes, make_rows([[(1, target)]]), [0],
                  SoftPromptConfig(K=8, stop_loss=0.1, order=order), ADAM, 600, progress=False)
    assert st.curves[0][-1] < 0.1
    prompt = sp_prompt(st.c[0].detach(), modes[1], order)[None]
    assert tok.decode(greedy(lm, embeds=prompt, max_new_tokens=len(target))[0]) == "Paris"


def test_checkpointing_gives_the_same_c_and_bf16_converges(tiny):
    "gradient_checkpointing: the same gradients, so the same optimised c; the bf16 LM on the CPU optimises c too"
    lm, tok, modes, d = tiny
    rows = make_rows([[(0, enc(tok, "12+30=?")), (1, enc(tok, "42"))], [(1, enc(tok, "hello"))]])
    starts = init_contents(["a", "b"], 4, 32, 0.3, 0)
    cfg = SoftPromptConfig(K=4, stop_loss=0.0, stop_pair=False)
    plain = optimise(lm, starts, modes, rows, [0, 1], cfg, ADAM, 8, progress=False)
    ck = optimise(load_lm(str(d), checkpointing=True)[0], starts, modes, rows, [0, 1], cfg, ADAM, 8, progress=False)
    for a, b in zip(plain.c, ck.c): torch.testing.assert_close(a.detach(), b.detach(), atol=1e-6, rtol=0)
    lm16 = load_lm(str(d), dtype="bfloat16")[0]
    assert next(lm16.parameters()).dtype == torch.bfloat16
    st16, st32 = (optimise(m, starts, modes, rows, [0, 1], cfg, ADAM, 40, progress=False) for m in (lm16, lm))
    assert all(c.dtype == torch.float32 for c in st16.c)
    first16, last16, last32 = (sum(cv[i] for cv in st.curves) for st, i in ((st16, 0), (st16, -1), (st32, -1)))
    assert all(cv[-1] < cv[0] for cv in st16.curves) and last16 < 0.6 * first16, [cv[::10] for cv in st16.curves]
    assert abs(last16 - last32) < 0.5 * last32, (last16, last32)             # bf16 gets about as far as float32


def test_resume_skips_finished_pairs(tiny, tmp_path, monkeypatch):
    lm, tok, modes, _ = tiny
    pairs = load_pairs("arithmetic", 4)
    seen, real = [], p1a.optimise_pairs
    monkeypatch.setattr(p1a, "optimise_pairs", lambda m, t, ps, *a, **k: seen.append([p.id for p in ps]) or real(m, t, ps, *a, **k))
    p, path = Phase1aParams.from_flat({"steps": 3, "restarts": 1, "chunk_pairs": 2}), tmp_path / "records.jsonl"
    recs, _ = p.run_stage(lm, tok, pairs[:3], "joint", 2, modes, path, progress=False)
    assert seen == [["arith-0", "arith-1"], ["arith-2"]] and len(recs) == 3
    with open(path, "a") as f: f.write('{"key": "x", "id": "arith-3", "tar')                   # killed mid-write
    with pytest.warns(UserWarning, match="records.jsonl: dropped a torn last line"):
        recs2, _ = p.run_stage(lm, tok, pairs, "joint", 2, modes, path, progress=False)
    assert seen[2:] == [["arith-3"]] and recs2[:3] == recs
    assert [json.loads(l)["id"] for l in path.read_text().splitlines()] == [q.id for q in pairs]   # the torn line is gone
    p.replace(chunk_pairs=4).run_stage(lm, tok, pairs, "joint", 3, modes, path, progress=False)
    assert seen[3:] == [[q.id for q in pairs]]                                              # another K: all again
    Phase1aParams.from_flat({"steps": 3, "restarts": 1, "lm_dtype": "bfloat16"}).run_stage(lm, tok, pairs[:1], "joint", 2, modes, path, progress=False)
    assert seen[4:] == [["arith-0"]]                                                        # another dtype: a new key


def test_bad_inputs(tiny, tmp_path):
    lm, tok, _, _ = tiny
    with pytest.raises(ConfigError, match="K must be >= 1, got 0"): SoftPromptConfig(K=0)
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(ValueError, match="empty.jsonl: no pairs"): load_pairs(str(tmp_path / "empty.jsonl"))
    (tmp_path / "bad.jsonl").write_text('{"question": "q", "answer": "a"}\n{"question": "q", "answer": 3}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: 'answer' must be a non-empty string"): load_pairs(str(tmp_path / "bad.jsonl"))
    (tmp_path / "bad.json").write_text('{"data": [{"paragraphs": [{"qas": [{"question": "q"}]}]}]}')
    with pytest.raises(ValueError, match=r"data\[0\].paragraphs\[0\].qas\[0\]: not SQuAD 2.0 JSON"): load_pairs(str(tmp_path / "bad.json"))
    (tmp_path / "binary.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ValueError, match="binary.json: not UTF-8 text"): load_pairs(str(tmp_path / "binary.json"))
    with pytest.raises(FileNotFoundError, match="pairs data/squad_dev.json: no such file or folder"): load_pairs("data/squad_dev.json")
    with pytest.raises(ValueError, match="exceeds the model's context of 256 positions"):
        encode_pair(tok, QAPair("long", "q" * 250, "a"), K=8, max_positions=lm.config.max_position_embeddings)
    with pytest.raises(ValueError, match="cannot read its token embeddings"): token_embeddings(torch.nn.GRU(2, 2))


@pytest.mark.skipif(not SQUAD.exists(), reason="shared SQuAD 2.0 data not present")
def test_squad_local_file():
    pairs = load_pairs(str(SQUAD))
    assert len(pairs) == 2910                                                               # answerable questions (MANIFEST)
    assert (pairs[0].question, pairs[0].answer) == ("In what country is Normandy located?", "France")
    assert [p.id for p in load_pairs(str(SQUAD), n=5)] == [p.id for p in pairs[:5]]


def _run(tmp_path, **params): return run_notebook(NB, tmp_path, **params)


def test_pipeline_resumes_and_refuses_bad_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("REASONING_NB_CACHE", str(tmp_path / "cache"))
    out, small = tmp_path / "o", dict(model="tiny", pairs="arithmetic", K_values=[4], K_main=4, steps=10, stage1=False, restarts=1)
    _run(tmp_path, n_pairs=2, output_dir=str(out), **small)
    _run(tmp_path, n_pairs=3, output_dir=str(out), **small)
    lines = [json.loads(l) for l in (out / "records.jsonl").read_text().splitlines()]
    assert [r["id"] for r in lines] == ["arith-0", "arith-1", "arith-2"]                    # the second run added one
    res = json.loads((out / "results.json").read_text())
    assert res["n_pairs"] == 3 and len(res["records"]["joint_K4"]) == 3 and res["verdict"] in ("pass", "partial", "fail")
    with pytest.raises(pm.PapermillExecutionError, match=r"unknown parameter\(s\) \['K'\]"): _run(tmp_path, K=3)
    with pytest.raises(pm.PapermillExecutionError, match="K_main must be >= 1, got 0"): _run(tmp_path, model="tiny", K_main=0, output_dir=str(out))


def test_run_phase1a_bad_files(tmp_path, monkeypatch):
    "What notebook 23 calls, given a binary SQuAD file or a model path that names nothing: one error naming it, at once"
    from reasoning_nb.phase1a import run_phase1a
    monkeypatch.chdir(tmp_path)
    (tmp_path / "binary.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ValueError, match="binary.json: not UTF-8 text"): run_phase1a(Phase1aParams.from_flat({"pairs": str(tmp_path / "binary.json")}))
    with pytest.raises(FileNotFoundError, match="pairs data/squad_dev.json: no such file or folder"): run_phase1a(Phase1aParams.from_flat({"pairs": "data/squad_dev.json"}))
    with pytest.raises(FileNotFoundError, match="model ./no_such_model: no such file or folder"): run_phase1a(Phase1aParams.from_flat({"model": "./no_such_model"}))


def _bench(*args, **kw):
    import subprocess, sys
    return subprocess.run([sys.executable, str(ROOT / "bench" / "run_phase1a.py"), *map(str, args)], capture_output=True, text=True, **kw)


def test_bench_runs_the_same_pipeline(tmp_path):
    "bench/run_phase1a.py: the notebook's settings as flags, the same run_phase1a; bad input is one line and exit status 2"
    import os
    env = dict(os.environ, REASONING_NB_CACHE=str(tmp_path / "cache"), OMP_NUM_THREADS="1")
    r = _bench("--model", "tiny", "--pairs", "arithmetic", "--n_pairs", 1, "--K_values", "[4]", "--K_main", 4, "--steps", 3, "--restarts", 1, "--stage1", "false",
               "--lm-dtype", "bfloat16", "--output_dir", tmp_path / "o", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    head = json.loads(r.stdout.strip().splitlines()[-1])
    assert head["n_pairs"] == 1 and head["verdict"] in ("pass", "partial", "fail")
    assert json.loads((tmp_path / "o" / "results.json").read_text())["params"]["lm_dtype"] == "bfloat16"
    bad = _bench("--pairs", "data/missing.json", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "pairs data/missing.json: no such file or folder" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr


def test_phase1a_summaries_mirrored_to_the_tracker(tmp_path):
    "engine.tracker: stage 1 at step 0 and each joint K at step K reach TensorBoard; 'none' writes nothing"
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from reasoning_nb.phase1a import mirror_summaries
    assert mirror_summaries("none", tmp_path / "n", {"convergence": 1.0}, {}, {}) is None and not (tmp_path / "n").exists()
    d = mirror_summaries("tensorboard", tmp_path, {"convergence": 1.0}, {4: {"convergence": 0.75}, 8: {"convergence": 0.25, "targets": {"q": {"exact": 0.5}}}}, {"K_main": 8})
    ea = EventAccumulator(str(d / "tensorboard" / "phase1a")); ea.Reload()
    assert [(e.step, e.value) for e in ea.Scalars("joint/convergence")] == [(4, 0.75), (8, 0.25)]
    assert [(e.step, e.value) for e in ea.Scalars("joint/targets.q.exact")] == [(8, 0.5)] and ea.Scalars("single/convergence")[0].value == 1.0


@pytest.mark.parametrize("order", ["mode_first", "c_first"])
def test_prompt_order_is_the_layout_the_loss_and_baselines_read(tiny, order):
    "mode_first scores the target after [mode, c] (seed 004), c_first after [c, mode]; the two differ"
    from reasoning_nb.models.soft_prompt import baselines, sp_init, sp_losses
    lm, tok, modes, _ = tiny
    c, tgt = init_contents(["o"], 3, 32, 0.3, 0)[0], enc(tok, "abc")
    st = sp_init([c], modes, make_rows([[(1, tgt)]]), [0], SoftPromptConfig(K=3, order=order), ADAM)
    with torch.no_grad(): _, loss, _ = sp_losses(lm, st)
    layout = torch.cat([modes[1:], c] if order == "mode_first" else [c, modes[1:]])[None]
    other = torch.cat([c, modes[1:]] if order == "mode_first" else [modes[1:], c])[None]
    ids = torch.tensor([tgt])
    torch.testing.assert_close(loss, generator_loss(lm, ids, layout), atol=1e-5, rtol=0)
    assert abs(loss.item() - generator_loss(lm, ids, other).item()) > 1e-3
    bl = baselines(lm, c, modes[1], tgt, enc(tok, "q"), "k", 0, order)
    none = torch.cat([modes[1:], c[:0]])[None]                    # "none" is the mode vector alone in either order
    assert abs(bl["none"] - generator_loss(lm, ids, none).item()) < 1e-5


def test_progressive_schedule_scores_a_growing_prefix_and_retires_only_on_the_whole_target(tiny):
    from reasoning_nb.models.soft_prompt import sp_init, sp_losses, token_scores, sp_prompt
    lm, tok, modes, _ = tiny
    tgt, c0 = enc(tok, "abcdef"), init_contents(["p"], 4, 32, 0.3, 0)
    rows, prog = make_rows([[(1, tgt)]]), SoftPromptConfig(K=4, curriculum="progressive", grow_by=2, stop_loss=0.0)
    st = sp_init(c0, modes, rows, [0], prog, ADAM)
    with torch.no_grad(): _, loss, hit = sp_losses(lm, st)
    ce, h = token_scores(lm, torch.tensor([tgt]), sp_prompt(c0[0], modes[1])[None])
    torch.testing.assert_close(loss, ce[:, :2].mean(1), atol=1e-5, rtol=0)         # only the first grow_by tokens
    assert hit.item() == bool(h[0, :2].all())
    # from a random start the prefix is wrong: the prefix must not grow after one step
    assert not hit.item()
    st1 = optimise(lm, c0, modes, rows, [0], prog, ADAM, 1, progress=False)
    assert st1.visible.tolist() == [2]
    # a stop loss every prefix is below: all-at-once retires at once, progressive only once it scores all 6 tokens
    big = prog.replace(stop_loss=1e9)
    st_all = optimise(lm, c0, modes, rows, [0], big.replace(curriculum="all"), ADAM, 50, progress=False)
    st_prog = optimise(lm, c0, modes, rows, [0], big, ADAM, 400, progress=False)
    assert st_all.updates == [0]
    assert st_prog.visible.tolist() == [6] and st_prog.updates[0] >= 2, (st_prog.visible, st_prog.updates)
    with torch.no_grad():
        full = generator_loss(lm, torch.tensor([tgt]), sp_prompt(st_prog.c[0].detach(), modes[1])[None])
    assert abs(st_prog.curves[0][-1] - full.item()) < 1e-5                            # the last point is the whole target
