"""The puzzle registry: every name resolves to the kind of that name; a new dataset is its own code and one registry
entry, and then trains and evaluates through the pipeline's settings class with its own options, scores and pictures.

The toy dataset below is added the way a new dataset is (issue 17: at most 2 files, its own notebook and the registry
line): everything it needs is in this file, and `register_puzzles` is its registry line."""
import json
from dataclasses import dataclass
from pathlib import Path
import numpy as np
import pytest
from reasoning_nb.config import check
from reasoning_nb.puzzles.base import PUZZLES, PuzzleDataConfig, PuzzleKind, PuzzleSet, puzzle_kind, register_puzzles
from reasoning_nb.train_puzzles import PuzzleParams          # made here, at import: before the dataset below is registered


@pytest.mark.parametrize("name", ["sudoku", "maze", "arc1", "arc2"])
def test_registry_names_resolve_to_their_kind(name):
    kind = puzzle_kind(name)
    assert kind.name == name and issubclass(kind.config_cls, PuzzleDataConfig) and kind.settings.__class__ is kind.config_cls
    train, test = kind.build(kind.config(**({"n_train": 2, "n_test": 2} | ({"maze_size": 5, "min_path_len": 2} if name == "maze" else {})
                                                | ({"min_rating": 0} if name == "sudoku" else {}))))
    assert train.meta.get("dataset") == kind.fixed.get("version", name)
    assert len(train) > 0 and len(test) > 0 and train.seq_len == test.seq_len


def test_a_name_registered_to_another_kind_is_refused(monkeypatch):
    "A registry line that points a name at another dataset's kind is refused when the name is looked up, naming both"
    monkeypatch.setitem(PUZZLES, "maze", "reasoning_nb.puzzles.sudoku_data:SUDOKU")
    with pytest.raises(ValueError, match="'maze' is registered as SudokuKind.*a kind of another name"): puzzle_kind("maze")

# ---- a new dataset: reverse the row (the solution is the puzzle read backwards) ----

@dataclass
class ReverseConfig(PuzzleDataConfig):
    "Reversal puzzles: how long a row is (on top of the shared data settings)"
    row_len: int = 8                 # tokens per puzzle

    def validate(self):
        super().validate()
        check(self.row_len >= 2, "row_len", f"must be >= 2, got {self.row_len}")


def reverse_set(n: int, L: int, seed: int, first: int, split: str) -> PuzzleSet:
    x = np.random.default_rng([seed, first]).integers(1, 5, (n, L)).astype(np.uint8)
    return PuzzleSet(inputs=x, labels=x[:, ::-1], puzzle_ids=np.arange(first, first + n), ratings=np.zeros(n), vocab_size=5, seq_len=L,
                     meta={"dataset": "reverse", "split": split})


class ReverseKind(PuzzleKind):
    config_cls, branch, prog = ReverseConfig, "reverse", "rnb-build-reverse"
    defaults = {"batch_size": 16}                                            # a dataset's own start for a shared setting
    shown = 0
    def build(self, cfg):
        return (reverse_set(cfg.n_train, cfg.row_len, cfg.data_seed, 1, "train"),
                reverse_set(cfg.n_test, cfg.row_len, cfg.data_seed, 1 + cfg.n_train, "test"))
    def show(self, ds, i, pred, ax):
        ReverseKind.shown += 1
        for a, row in zip(ax, (ds.inputs[i], pred, ds.labels[i])): a.imshow(np.asarray(row)[None], vmin=0, vmax=4)
    def score(self, ds, rows, preds, conf):
        return {"reversed_exactly": float((preds == ds.labels[rows]).all(1).mean())}


@pytest.fixture(scope="module")
def reverse():
    kind = register_puzzles(ReverseKind("reverse", settings=ReverseConfig(row_len=6)))   # the registry line
    yield kind
    del PUZZLES["reverse"]


def test_a_new_dataset_trains_through_the_settings(tmp_path, reverse):
    from reasoning_nb.train_puzzles import CPU_PUZZLES, PuzzleSettings, settings_class, train_puzzles
    Params = settings_class(PuzzleSettings, CPU_PUZZLES, "PuzzleParams")          # the settings, with the new dataset's branch
    names = Params.names()
    assert names["row_len"].dotted == "reverse.row_len" and names["row_len"].doc == "tokens per puzzle" and "reverse.n_train" not in names
    s = Params.from_flat(dict(dataset="reverse", row_len=7, n_train=64, n_test=16, n_aug=0, d_model=16, n_heads=2, H_cycles=1,
                              L_cycles=1, halt_max_steps=2, steps=8, eval_interval=8, ckpt_interval=8, n_pictures=2, device="cpu",
                              output_dir=str(tmp_path)))
    assert (s.engine.batch_size, type(s.data_config()).__name__, s.data_config().row_len) == (16, "ReverseConfig", 7)
    res = train_puzzles(s, progress=False)
    assert res["name"] == "reverse_trm" and res["test_rows"] == 16 and res["config"]["dataset"] == "reverse"
    assert 0 <= res["final"]["reversed_exactly"] <= 1 and "pass@1" not in res["final"]      # its own score, not ARC's
    assert reverse.shown == 2 and Path(res["paths"]["pictures"]).stat().st_size > 1000      # its own pictures
    assert json.loads(Path(res["paths"]["results"]).read_text())["settings"]["row_len"] == 7
    with pytest.raises(ValueError, match="row_len must be >= 2, got 1"): Params.from_flat(dict(dataset="reverse", row_len=1))


def test_a_new_dataset_has_a_command_line(tmp_path, reverse):
    s = reverse.cli(["--out", str(tmp_path / "out"), "--row_len", "5", "--n_train", "4", "--n_test", "2"])
    assert (s["train_rows"], s["seq_len"], s["n_puzzles"]) == (4, 5, 7)
    assert PuzzleSet.load(tmp_path / "out" / "test.npz").labels.shape == (2, 5)


def test_a_settings_class_made_before_the_dataset_says_so(reverse):
    with pytest.raises(ValueError, match="'reverse' has the settings branch 'reverse', which PuzzleParams lacks"):
        PuzzleParams.from_flat(dict(dataset="reverse"))
