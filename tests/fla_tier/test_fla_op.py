"""FLA's chunk_gated_delta_rule (Triton, under the interpreter) against our chunked form and the token loop, fp32,
forward and backward at odd sizes; the dtype contract of the FLA path (what FLA's kernels refuse, the dispatcher names)."""
import pytest, torch
import reasoning_nb.ops.gdn as gdn_ops
from reasoning_nb.ops.gdn import (gated_delta_rule, gated_delta_rule_chunked, gated_delta_rule_recurrent, gdn_backend,
                                  gdn_fwd_bwd, gdn_inputs, rel_l2_err)

def fla(**kw): return gated_delta_rule(**kw, backend="fla")

def test_auto_picks_fla_on_the_cpu_under_the_interpreter():
    assert gdn_backend("cpu") == "fla" and gdn_backend("cpu", dtype=torch.float64) == "chunked"
    assert gdn_ops._fla_op()[0].__module__.startswith("fla.")

@pytest.mark.parametrize("B, T, H, K, V, h0", [(2, 100, 2, 32, 64, True), (1, 63, 3, 16, 32, False), (2, 63, 3, 32, 16, True)])
def test_fla_matches_chunked_and_recurrent_fwd_bwd(B, T, H, K, V, h0):
    "Output, final state and every input gradient (relative L2; measured 3e-7 to 2e-6)"
    x = gdn_inputs(B, T, H, K, V, initial_state=h0, requires_grad=True, seed=T + H)
    o, S, gr = gdn_fwd_bwd(fla, x)                                       # FLA once (the interpreter is slow), two references
    for ref in (gated_delta_rule_chunked, gated_delta_rule_recurrent):
        ro, rS, rgr = gdn_fwd_bwd(ref, x)
        errs = {"o": rel_l2_err(o, ro), "final_state": rel_l2_err(S, rS), **{f"d{n}": rel_l2_err(gr[n], rgr[n]) for n in rgr}}
        assert len(errs) == (8 if h0 else 7) and max(errs.values()) < 2e-5, (ref.__name__, errs)

def test_fla_explicit_scale_reaches_the_kernel():
    x = gdn_inputs(1, 40, 2, 16, 16, seed=3)
    torch.testing.assert_close(fla(**x, scale=0.3)[0], gated_delta_rule_chunked(**x, scale=0.3)[0], rtol=1e-5, atol=1e-5)

def test_mixed_dtypes_fail_in_flas_kernel_and_the_dispatcher_names_them():
    "q, k, beta, g fp32 with v bf16: FLA's kernel stops in tl.dot; our dispatcher refuses first and says which is which"
    x = gdn_inputs(1, 32, 2, 16, 16, seed=4)
    x["v"] = x["v"].bfloat16()
    with pytest.raises(Exception, match="Both operands must be same dtype"):
        gdn_ops._fla_op()[0](**x)
    with pytest.raises(ValueError, match=r"one dtype, got .*'v': torch.bfloat16"):
        fla(**x)

def test_bf16_contract_runs():
    "q, k, v, beta bf16 and g fp32 is what FLA takes: it runs and returns bf16 (bf16 accuracy is a GPU check: the "
    "interpreter's bf16 arithmetic is not the GPU's)"
    x = gdn_inputs(1, 40, 2, 16, 32, dtype=torch.bfloat16, initial_state=True, seed=5)
    o, S = fla(**x, output_final_state=True)
    assert o.dtype == torch.bfloat16 and o.shape == (1, 40, 2, 32) and S.dtype == torch.float32 and o.isfinite().all()

def test_gpu_checks_fla_op_item_runs_here():
    "bench/gpu_check.py's FLA accuracy item, at a small size under the interpreter: its fp32 errors are within the GPU "
    "bound (its bf16 ones are recorded but not judged here)"
    import importlib.util
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("gpu_check", root / "bench" / "gpu_check.py")
    gc = importlib.util.module_from_spec(spec); spec.loader.exec_module(gc)
    fp32 = gc.fla_op_errors(torch.device("cpu"), torch.float32, B=1, T=70, H=2, K=16, V=16)
    assert set(fp32) == {"o", "final_state", "dq", "dk", "dv", "dg", "dbeta", "dinitial_state"}
    assert max(fp32.values()) < gc.FLA_OP_BOUNDS["float32"], fp32
    bf16 = gc.fla_op_errors(torch.device("cpu"), torch.bfloat16, B=1, T=70, H=2, K=16, V=16)
    print("bf16 under the interpreter:", {n: f"{e:.1e}" for n, e in bf16.items()})
    assert set(bf16) == set(fp32)
