"""The FLA tier: FLA's Triton kernels run on the CPU under Triton's interpreter (TRITON_INTERPRET=1), against our
PyTorch forms. `make test-fla` (and `make test`, after the main suite) runs it with FLA and a CPU Triton installed into
their own folder (`make fla-setup`); the default venv stays Triton-free, and the default suite ignores this folder.

Two limits of Triton 3.9's interpreter need a workaround here, for tests only (library code is untouched):
  1. Autotuning: `triton.autotune` benchmarks every config on the device (`driver.active.get_benchmarker()`), and the
     interpreter has no driver ("RuntimeError: 0 active drivers ([]). There should only be one."). Each autotuned
     kernel keeps one of its valid configs, so nothing is benchmarked: the one with the largest blocks, which has the
     fewest programs (the interpreter runs them one after another; any valid config computes the same result).
  2. Loop variables: the interpreter runs `for i in range(n)` / `tl.range(n)` loops as Python loops, so the loop
     variable is a Python int, where compiled Triton makes it a tensor; FLA calls `i_t.to(tl.int64)` on it
     ("AttributeError: 'int' object has no attribute 'to'"). The interpreter's source rewriter is extended to turn
     such loop variables into interpreter tensors at the top of each iteration.
And one for speed: the interpreter re-patches triton.language (`_patch_lang`: `inspect.getmembers` over the whole
module) on every call of a `@triton.jit` helper from inside a kernel, although the kernel's launch has patched it
already; that was 40 % of the tier's time. Inside a running kernel, a helper whose language modules are patched
already is not patched again.
"""
import ast, inspect, math, sys, warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # a checkout without `pip install -e .`
from reasoning_nb.ops.gdn import triton_interpreter_on

if not triton_interpreter_on():
    collect_ignore_glob = ["test_*.py"]          # the default suite: this tier runs only under TRITON_INTERPRET=1
else:
    import pytest
    try:
        import triton
        from triton.runtime import interpreter as _interp
        from triton.runtime.autotuner import Autotuner
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Triton is not supported on current platform")   # FLA finds no GPU: as meant
            import fla.ops  # noqa: F401  (FLA's kernels, decorated now, under the interpreter)
    except ImportError as e:
        raise pytest.UsageError(f"TRITON_INTERPRET=1 but the FLA tier's packages do not import ({e}); run `make fla-setup` "
                                "and put its folder on PYTHONPATH (`make test-fla` does both)") from e

    _prune_configs = Autotuner.prune_configs
    def _largest_blocks_only(self, kwargs):
        "Workaround 1: one config per autotuned kernel, so the interpreter never benchmarks"
        blocks = lambda c: math.prod(v for v in c.kwargs.values() if isinstance(v, int) and not isinstance(v, bool))
        return [max(_prune_configs(self, kwargs), key=blocks)]
    Autotuner.prune_configs = _largest_blocks_only

    class _LoopVarsAsTensors(_interp.ASTTransformer):
        "Workaround 2: `i = interpreter_semantic.to_tensor(i, False)` first in every `range` / `tl.range` loop body"
        def visit_For(self, node):
            node = self.generic_visit(node)
            it = node.iter
            fn = it.func if isinstance(it, ast.Call) else None
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None
            if name == "range" and isinstance(node.target, ast.Name):            # not tl.static_range: unrolled, ints are right
                to_tensor = ast.Attribute(value=ast.Name(id="interpreter_semantic", ctx=ast.Load()), attr="to_tensor", ctx=ast.Load())
                conv = ast.Assign(targets=[ast.Name(id=node.target.id, ctx=ast.Store())],
                                  value=ast.Call(func=to_tensor, args=[ast.Name(id=node.target.id, ctx=ast.Load()),
                                                                       ast.Constant(value=False)], keywords=[]))
                node.body.insert(0, ast.copy_location(conv, node))
            return node
    _interp.FunctionRewriter.ast_transformer = _LoopVarsAsTensors()

    _patch_lang, _patched = _interp._patch_lang, set()        # the language modules the running kernel has patched
    def _patch_lang_once(fn):
        "Speed: patch triton.language once per kernel launch, not again for each helper call inside it"
        langs = {v for v in fn.__globals__.values() if inspect.ismodule(v) and v in (triton.language, triton.language.core)}
        if _patched and langs <= _patched: return _interp._LangPatchScope()       # nothing to restore
        scope, outer = _patch_lang(fn), not _patched
        _patched.update(langs)                       # a helper's patch is never restored upstream: it holds till the launch ends
        if outer:                                                                 # a kernel launch (GridExecutor)
            restore = scope.restore
            def restore_and_forget(): _patched.clear(); restore()
            scope.restore = restore_and_forget
        return scope
    _interp._patch_lang = _patch_lang_once

    def pytest_configure(config):
        config.addinivalue_line("filterwarnings", "ignore:Triton is not supported on current platform")
        config.addinivalue_line("filterwarnings", "ignore:ShortConvolution is crucial")      # FLA's layer without convs, on purpose
        # the interpreter computes masked-off lanes too (loads return garbage there, the stores drop them): NumPy warns
        for msg in ("overflow encountered", "invalid value encountered"):
            config.addinivalue_line("filterwarnings", f"ignore:{msg}:RuntimeWarning")

    def pytest_report_header(config):
        import fla
        return f"FLA tier: fla {getattr(fla, '__version__', '?')}, triton {triton.__version__}, TRITON_INTERPRET=1 (CPU)"
