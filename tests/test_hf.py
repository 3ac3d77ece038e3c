"""The exp8 models in the Hugging Face format (issue 23 s2): a run's best_model exported by the CLI (`--export_hf`) loads with
`AutoModelForCausalLM.from_pretrained` (and its tokenizer with `AutoTokenizer`), gives the workbook's own logits, and
`.generate()` gives the workbook's greedy tokens. Local folders only."""
import sys
from pathlib import Path
import pytest, torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout without `pip install -e .`
from conftest import TINY, run_cli

@pytest.mark.parametrize("model_type", ["baseline", "recursive"])
def test_cli_export_loads_with_auto_classes(tmp_path, model_type):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    import reasoning_nb.hf                                    # registers the Auto classes
    from reasoning_nb.hf import checkpoint_model
    from reasoning_nb.models.generate import generate
    from reasoning_nb.models.recursive_lm import eval_steps
    out, hf = tmp_path / "run", tmp_path / "hf"
    run_cli("--output_dir", out, *TINY, "--steps", 4, "--ckpt_interval", 4, "--eval_interval", 4, "--model_type", model_type,
            "--halt_max_steps", 2, "--export_hf", hf)
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in hf.iterdir()}
    model = AutoModelForCausalLM.from_pretrained(hf).eval()
    tok = AutoTokenizer.from_pretrained(hf)
    idx = torch.tensor([tok("The cat sat on the mat because it was")["input_ids"]])
    ours = checkpoint_model(out / f"checkpoints_{model_type}" / "best_model")
    with torch.no_grad():
        want = ours(idx) if model_type == "baseline" else eval_steps(ours, idx)[0]
        assert (model(idx).logits - want).abs().max().item() < 1e-5
    assert torch.equal(model.generate(idx, max_new_tokens=5, do_sample=False), generate(ours, idx, max_new_tokens=5))

def test_export_errors(tmp_path):
    from reasoning_nb.checkpoint import CheckpointError
    from reasoning_nb.hf import export_pretrained
    with pytest.raises(CheckpointError, match="no checkpoint weights at"): export_pretrained(tmp_path / "best_model", tmp_path / "hf")
