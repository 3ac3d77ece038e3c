"The published TRM runs as papermill parameter files: every key is a parameter of the pipeline, and the Sudoku files build the published model sizes."
import json
import re
import pytest
import yaml
from conftest import ROOT
from reasoning_nb.models.puzzle import PuzzleModel, PuzzleModelConfig, count_params
from reasoning_nb.models.recursion import RecursionConfig

NB = ROOT / "nbs" / "21_train_trm.ipynb"
PRESETS = ["trm_sudoku_mlp", "trm_sudoku_att", "trm_maze", "trm_arc1", "trm_arc2"]

def _load(name): return yaml.safe_load((ROOT / "presets" / f"{name}.yaml").read_text())

@pytest.fixture(scope="module")
def declared() -> dict:
    "{name: type name} of the typed literals in the notebook's cell tagged `parameters`"
    cell, = [c for c in json.loads(NB.read_text())["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    return dict(re.findall(r"^(\w+): (\w+) = ", "".join(cell["source"]), re.M))

@pytest.mark.parametrize("name", PRESETS)
def test_preset_keys_are_notebook_parameters(name, declared):
    p = _load(name)
    assert set(p) <= set(declared), sorted(set(p) - set(declared))
    assert p["task"] in name and p["schedule"] == "constant" and p["grad_clip"] == 0 and p["loss_type"] == "stablemax"
    for k, v in p.items():                           # the declared type: an int where the notebook wants a float is fine
        t = declared[k]
        assert isinstance(v, {"int": int, "float": (int, float), "str": str, "bool": bool}[t]), (k, v, t)

@pytest.mark.parametrize("name,n", [("trm_sudoku_mlp", 5.03), ("trm_sudoku_att", 6.83)])
def test_sudoku_presets_build_the_published_sizes(name, n):
    "Sizes from the file; the rest from the data as the published code has it (81 cells, vocabulary 11, one puzzle id)"
    p = _load(name)
    cfg = PuzzleModelConfig(arch=p["arch"], d_model=p["d_model"], n_layers=p["n_layers"], n_heads=p.get("n_heads", 4),
                            puzzle_emb_len=p["puzzle_emb_len"], n_puzzles=1, vocab_size=11, seq_len=81,
                            recursion=RecursionConfig(H_cycles=p["H_cycles"], L_cycles=p["L_cycles"]))
    assert round(count_params(PuzzleModel(cfg)) / 1e6, 2) == n

def test_exp8_preset_builds_what_its_comment_says():
    "presets/exp8.yaml with the GPT-2 vocabulary (50,257, padded to 50,304): 147.4M parameters, not the published ~302M"
    from reasoning_nb.train import Exp8Params, model_header, pad_vocab
    text = (ROOT / "presets" / "exp8.yaml").read_text()
    flat = yaml.safe_load(text)
    p = Exp8Params.from_flat(flat)
    assert model_header("baseline", p.model_config("baseline", pad_vocab(50257))) == \
        "exp8 baseline: 147.40M parameters (108.76M without the embedding)"
    assert "147.4M parameters (108.8M without the embedding)" in text and "~302M" in text
    big = Exp8Params.from_flat({**flat, "gdn_head_dim": 256, "tie_embeddings": False}).model_config("baseline", pad_vocab(50257))
    assert model_header("baseline", big).startswith("exp8 baseline: 233.34M") and "233.3M" in text
