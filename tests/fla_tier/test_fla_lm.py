"""The exp8 models with their GDN layers on FLA's kernels (under the interpreter) against the same models on the chunked
PyTorch op: a tiny HybridLM's logits and gradients, a few exp8 training steps through the real pipeline (`run_exp8`),
and the recursive LM's supervision step and evaluation."""
import math
import pytest, torch
from reasoning_nb.models.act import ACTConfig
from reasoning_nb.models.halting import make_halting
from reasoning_nb.models.hybrid import HybridLM, HybridLMConfig
from reasoning_nb.models.recursion import RecursionConfig
from reasoning_nb.models.recursive_lm import RecursiveLM, RecursiveLMConfig, eval_steps
from reasoning_nb.ops.gdn import rel_l2_err

# Small on purpose: the interpreter's cost is per kernel program, B x heads x chunks of 64 tokens per GDN call
LM = HybridLMConfig(vocab_size=97, d_model=48, n_layers=3, attention_layers=[1], attn_heads=4, gdn_heads=3, gdn_head_dim=16,
                    max_seq_len=64)

def twins(build, cfg_of):
    "The same model (same seed, same weights) with its GDN layers on FLA and on the chunked op"
    torch.manual_seed(0); a = build(cfg_of("fla"))
    torch.manual_seed(0); b = build(cfg_of("chunked"))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    return a, b

def grads(m): return {n: p.grad for n, p in m.named_parameters()}

def test_hybrid_lm_logits_and_grads():
    fla, ref = twins(HybridLM, lambda b: LM.replace(gdn_backend=b))
    assert [blk.mixer.backend(torch.empty(0)) for blk in fla.backbone.blocks if blk.kind == "gdn"] == ["fla", "fla"]
    g = torch.Generator().manual_seed(1)
    idx, tgt = torch.randint(0, 97, (2, 45), generator=g), torch.randint(0, 97, (2, 45), generator=g)
    errs = {"logits": rel_l2_err(fla(idx), ref(idx))}
    fla(idx, tgt).backward(); ref(idx, tgt).backward()
    errs |= {n: rel_l2_err(g_, grads(ref)[n]) for n, g_ in grads(fla).items()}
    assert max(errs.values()) < 5e-5, errs                                  # measured: logits 2e-7, grads <= 5e-6

def test_exp8_training_steps_on_fla_match_chunked(tmp_path, monkeypatch):
    "run_exp8 (the pipeline notebook's and rnb-train-exp8's call): 'auto' is FLA under the interpreter, chunked without it"
    from reasoning_nb.train import Exp8Params, run_exp8
    p = Exp8Params.from_flat(dict(d_model=48, n_layers=2, attention_layers=[1], attn_heads=4, gdn_heads=2, gdn_head_dim=16,
                                  seq_len=48, batch_size=2, max_chars=200_000, vocab_size=384, steps=4, warmup_steps=1,
                                  eval_interval=2, ckpt_interval=4, eval_batches=1, lr=1e-2, device="cpu"))
    on_fla = run_exp8(p.replace(engine=p.engine.replace(output_dir=str(tmp_path / "fla"))), progress=False)
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    on_chunked = run_exp8(p.replace(engine=p.engine.replace(output_dir=str(tmp_path / "chunked"))), progress=False)
    assert (on_fla["gdn_backend"], on_chunked["gdn_backend"]) == ("fla", "chunked")
    losses = lambda r, k: [x["loss"] for x in r[k]]
    for k in ("train_curve", "val_curve"):
        a, b = losses(on_fla, k), losses(on_chunked, k)
        assert len(a) == len(b) > 1 and all(math.isfinite(x) for x in a)
        assert max(abs(x - y) for x, y in zip(a, b)) < 1e-4, (k, a, b)
    assert losses(on_fla, "train_curve")[-1] < losses(on_fla, "train_curve")[0]

def test_recursive_lm_supervision_step_and_eval():
    cfg = lambda b: RecursiveLMConfig(lm=LM.replace(n_layers=2, gdn_heads=2, gdn_backend=b),
                                      recursion=RecursionConfig(H_cycles=1, L_cycles=1), act=ACTConfig(halt_max_steps=2))
    fla, ref = twins(RecursiveLM, cfg)
    g = torch.Generator().manual_seed(2)
    idx = torch.randint(0, 97, (2, 29), generator=g)
    batch = {"inputs": idx, "labels": torch.roll(idx, -1, 1)}
    out = {}
    for name, m in (("fla", fla), ("ref", ref)):
        carry, o, loss, met = make_halting(m).step(m, m.initial_carry(batch), batch)   # one supervision step, as the task runs it
        loss.backward()
        out[name] = (loss, carry.y, eval_steps(m.eval(), idx, batch["labels"])[0])
    errs = {n: rel_l2_err(a, b) for n, a, b in zip(("loss", "y", "eval_logits"), out["fla"], out["ref"])}
    errs |= {n: rel_l2_err(g_, grads(ref)[n]) for n, g_ in grads(fla).items() if g_ is not None}
    assert max(errs.values()) < 5e-5, errs
