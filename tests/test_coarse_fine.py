"""The coarse-to-fine TRM (nbs/16f_coarse_fine.ipynb, issue 22 s3) through the one trainer: `c2f_levels` reaches the
model from the flat settings, the untrained model answers as the flat one, the coarse level learns from its own loss,
repetition then pooling is the identity, and the trainer's FLOPs are the ones PyTorch counts."""
import json
import torch
from reasoning_nb.engine import setup, train_step
from reasoning_nb.models.coarse_fine import CoarseFineModel, flat_state_dict, majority_pool, repeat_cells
from reasoning_nb.models.puzzle import PuzzleModel, step_flops
from reasoning_nb.train_puzzles import PuzzleParams, puzzles_cli

MAZE = dict(dataset="maze", maze_size=8, min_path_len=4, n_train=24, n_test=8, n_aug=0, d_model=16, n_heads=2, H_cycles=2,
            L_cycles=2, halt_max_steps=2, batch_size=8, eval_size=8, n_pictures=0, device="cpu", c2f_levels=3, c2f_priority="3,4,5")

def test_pipeline_runs_the_coarse_to_fine_model_and_reports_its_flops(tmp_path, capsys):
    "`--c2f_levels 3` (the flag of notebook 21's parameter) trains the 3-level model; every record's flops = step x its count"
    argv = [f"--{k}={v}" for k, v in (MAZE | dict(steps=16, eval_interval=8, lr=3e-3, warmup_steps=2, output_dir=str(tmp_path))).items()]
    r = puzzles_cli(argv + ["--no_progress"])
    cfg = PuzzleParams.from_flat(MAZE).model_config(vocab_size=6, seq_len=64)
    assert r["settings"]["c2f_levels"] == 3 and r["flops_per_step"] == step_flops(cfg, 8) > step_flops(cfg.replace(c2f_levels=1), 8)
    assert all(t["flops"] == t["step"] * r["flops_per_step"] for t in r["train_curve"])
    tc = r["train_curve"]
    assert tc[-1]["loss"] < tc[0]["loss"], tc                         # it learns something
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["step"] == 16

def _task(tmp_path, **kw):
    p = PuzzleParams.from_flat(MAZE | dict(steps=4, lr=1e-2, warmup_steps=1, output_dir=str(tmp_path)) | kw)
    return setup(p.make_task(*p.kind.build(p.data_config())), p.engine, tmp_path)

def test_untrained_model_answers_as_the_flat_model(tmp_path):
    "The conditioning maps start at zero: the finest level, copied into a flat PuzzleModel, gives the same logits"
    run = _task(tmp_path); m = run.task.model; m.eval()
    assert isinstance(m, CoarseFineModel)
    flat = PuzzleModel(m.cfg.replace(c2f_levels=1)); flat.load_state_dict(flat_state_dict(m)); flat.eval()
    b = run.task.batch(0, 0, 1)
    torch.testing.assert_close(m.infer(b)["logits"], flat.infer(b)["logits"], rtol=1e-5, atol=1e-5)

def test_coarse_level_learns_from_its_own_loss(tmp_path):
    "Detached from the finer levels, the coarsest level's gradient comes from the coarse loss alone: it is not zero"
    run = _task(tmp_path, c2f_detach=True)
    m, _ = train_step(run); train_step(run)
    g = run.task.model.core.levels[0].L_net.blocks[0].mlp.down.weight.grad                 # the engine leaves the last step's
    assert g is not None and g.abs().sum() > 0 and m["coarse_loss"] > 0

def test_repeat_then_pool_is_the_identity():
    g = torch.Generator().manual_seed(1)
    for f in (2, 3):
        c = torch.randint(0, 6, (16, 16), generator=g)
        assert torch.equal(majority_pool(repeat_cells(c, f), f, vocab_size=6, priority=(3, 4, 5)), c)

def test_trainer_flops_per_step_as_torch_counts_them(tmp_path):
    "The trainer's count for the 3-level model (joint and detached, both upsamplers) = PyTorch's on a real engine step"
    from torch.nn.attention import sdpa_kernel, SDPBackend
    from torch.utils.flop_counter import FlopCounterMode
    for kw in (dict(puzzle_emb_len=2), dict(c2f_detach=True, c2f_upsample="learned")):
        run = _task(tmp_path / str(len(kw)), **kw)
        for _ in range(2):                                             # the first step (fresh carry) and a carried one
            with FlopCounterMode(display=False) as fc, sdpa_kernel(SDPBackend.MATH): train_step(run)
            assert run.task.flops_per_step == fc.get_total_flops() > 0, (kw, run.task.flops_per_step, fc.get_flop_counts())

def test_gpu_preset_builds_the_two_level_maze_model():
    "presets/trm_maze_c2f.yaml over trm_maze.yaml: 10x10 -> 30x30 at the recipe's width; the flat width it names matches the parameters"
    import yaml
    from conftest import ROOT
    from reasoning_nb.models.coarse_fine import level_sides
    from reasoning_nb.models.puzzle import count_params
    load = lambda n: yaml.safe_load((ROOT / "presets" / f"{n}.yaml").read_text())
    s = PuzzleParams.from_flat(load("trm_maze") | load("trm_maze_c2f"))
    cfg = s.model_config(vocab_size=6, seq_len=900, n_puzzles=1)
    assert level_sides(cfg) == [10, 30] and step_flops(cfg, 768) > step_flops(cfg.replace(c2f_levels=1), 768)
    from reasoning_nb.models.coarse_fine import make_puzzle_model
    n_c2f = count_params(make_puzzle_model(cfg)); n_flat = count_params(make_puzzle_model(cfg.replace(c2f_levels=1, net=cfg.net.replace(d_model=736))))
    assert abs(n_flat / n_c2f - 1) < 0.05, (n_c2f, n_flat)
