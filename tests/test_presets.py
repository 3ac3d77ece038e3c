"""The published TRM runs as parameter files of nbs/21_train_puzzles.ipynb (papermill -f, or --config): every key is a
setting of the pipeline's settings class, and the notebook's generated parameters cell declares it; the files build
valid settings, alone or stacked; the Sudoku files build the published model sizes; the overlays train at tiny
data sizes with every halting and memory switch on."""
import json, re
import pytest
import yaml
from conftest import ROOT
from reasoning_nb.models.puzzle import PuzzleModel, count_params
from reasoning_nb.train_puzzles import PuzzleParams

NB = ROOT / "nbs" / "21_train_puzzles.ipynb"
RECIPES = ["trm_sudoku_mlp", "trm_sudoku_att", "trm_maze", "trm_arc1", "trm_arc2"]
OVERLAYS = ["trm_tiny_deep", "trm_dqn", "trm_maze_c2f"]

def _load(name): return yaml.safe_load((ROOT / "presets" / f"{name}.yaml").read_text())

@pytest.fixture(scope="module")
def declared() -> set:
    "The names the notebook's cell tagged `parameters` declares"
    cell, = [c for c in json.loads(NB.read_text())["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    return set(re.findall(r"^(\w+): ", "".join(cell["source"]), re.M))

@pytest.mark.parametrize("name", RECIPES + OVERLAYS)
def test_preset_keys_are_settings(name, declared):
    p = _load(name)
    assert set(p) <= set(PuzzleParams.names()) and set(p) <= declared, sorted(set(p) - set(PuzzleParams.names()))

@pytest.mark.parametrize("name", RECIPES)
def test_recipes_build_the_published_settings(name):
    p = _load(name)
    s = PuzzleParams.from_flat(p)
    assert s.dataset in name and s.engine.optim.schedule == "constant" and s.engine.optim.grad_clip == 0
    assert s.model.act.loss_type == "stablemax" and s.engine.ema and s.model.puzzle_emb_len == 16
    assert s.engine.batch_size == 768 and s.data_config().n_test is None              # the whole test set, a published batch
    assert all(s.flat()[k] == v for k, v in p.items())                                # nothing overridden by a dataset default

@pytest.mark.parametrize("name,n,official", [("trm_sudoku_mlp", 5_029_378, 5_028_866), ("trm_sudoku_att", 6_828_546, 6_828_034)])
def test_sudoku_presets_build_the_published_sizes(name, n, official):
    """Sizes from the file; the rest from the data as the published code has it (81 cells, vocabulary 11, one puzzle
    id). The published code keeps the puzzle-embedding table as a buffer, so its count leaves its 512 entries out."""
    model = PuzzleModel(PuzzleParams.from_flat(_load(name)).model_config(vocab_size=11, seq_len=81, n_puzzles=1))
    assert (count_params(model), count_params(model) - model.embed.puzzles.numel()) == (n, official)

def test_tiny_deep_overlay():
    "Seed 002's model on a recipe: width 64, 2 layers, H16 x L1, 16 supervision steps; the recipe's data and schedule kept"
    s = PuzzleParams.from_flat(_load("trm_sudoku_mlp") | _load("trm_tiny_deep"))
    net, rec = s.model.net, s.model.recursion
    assert (net.d_model, net.n_layers, rec.H_cycles, rec.L_cycles, s.model.act.halt_max_steps) == (64, 2, 16, 1, 16)
    assert s.data.n_aug == 1000 and s.engine.optim.lr == 1e-4 and net.arch == "mlp"

def test_dqn_overlay():
    "DQN halting with the seed's exploration schedule: epsilon 0.5 -> 0.05 over 100K steps, learned halting at evaluation"
    s = PuzzleParams.from_flat(_load("trm_sudoku_att") | _load("trm_dqn"))
    act = s.model.act
    assert (act.halting, act.dqn.eps_start, act.dqn.eps_end, act.dqn.eps_steps, act.eval_halting) == ("dqn", 0.5, 0.05, 100_000, "learned")

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

def test_overlays_train_with_each_switch_on(tmp_path):
    """Issue 19 s3: the two overlays stacked (seed 002's H16 x L1 model, 16 supervision steps, DQN halting on the
    seed's exploration schedule) train through the pipeline's entry point with the attention Q head and the memory
    bank switched on, at tiny data and batch sizes; the checkpoint holds that Q head and that bank"""
    from safetensors import safe_open
    from reasoning_nb.train_puzzles import train_puzzles
    flat = _load("trm_tiny_deep") | _load("trm_dqn") | dict(
        q_head="attention", use_memory=True, memory_slots=16, key_dim=8, value_dim=8, memory_heads=2, write_threshold=0.0,
        dataset="maze", maze_size=5, min_path_len=2, n_train=8, n_test=2, n_aug=1, capacity=32, replay_batch=2,
        steps=2, batch_size=2, warmup_steps=1, eval_interval=2, eval_size=2, n_pictures=0, device="cpu", output_dir=str(tmp_path))
    res = train_puzzles(PuzzleParams.from_flat(flat), progress=False)
    model = res["config"]["model"]
    rec, act, dqn = model["recursion"], model["act"], model["act"]["dqn"]
    assert (rec["H_cycles"], rec["L_cycles"], act["halt_max_steps"], model["net"]["d_model"]) == (16, 1, 16, 64)
    assert (act["halting"], act["q_head"], dqn["eps_start"], dqn["eps_end"], dqn["eps_steps"]) == ("dqn", "attention", 0.5, 0.05, 100_000)
    assert res["step"] == 2 and 1 <= res["final"]["steps"] <= 16 and "memory_hit_rate" in res["final"]
    with safe_open(res["paths"]["checkpoint"] + ".safetensors", "pt") as f: keys = set(f.keys())
    assert {"q_head.query", "q_head.key.weight"} <= keys and any(k.startswith("core.memory.") for k in keys), sorted(keys)
