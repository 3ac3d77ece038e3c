"Sudoku puzzles: the sudoku-extreme CSV format (good and bad rows), hub path, reproducibility, uniqueness, augmentations, the command line."
import hashlib, re, subprocess, sys
from pathlib import Path

import numpy as np
import pytest

from reasoning_nb.config import ConfigError
from reasoning_nb.data import DataError
from reasoning_nb.puzzles.base import PuzzleSet, apply_transforms, invert_transforms
from reasoning_nb.puzzles.csv_io import write_puzzle_csv
from reasoning_nb.puzzles.sudoku import (decode_sudoku, encode_sudoku, generate_sudoku, solve_sudoku, sudoku_transforms,
                                         valid_sudoku_solutions)
from reasoning_nb.puzzles.sudoku_data import SUDOKU, SudokuConfig, build_sudoku, canonical_sudoku, load_sudoku_csv

INKALA = "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4.."
SOLUTION = "812753649943682175675491283154237896369845721287169534521974368438526917796318452"


pytestmark = pytest.mark.usefixtures("cache")   # every test caches into its own temp dir (conftest)


@pytest.fixture(scope="module")
def puzzles():
    "Eight generated (question, answer, rating) rows in the CSV's text format"
    P, S, R, _ = generate_sudoku(8, min_rating=10, seed=3, stream="pytest", progress=False)
    return [(decode_sudoku(p + 1), decode_sudoku(s + 1), int(r)) for p, s, r in zip(P, S, R)]


def write_rows(path: Path, rows) -> Path:
    return write_puzzle_csv(path, *zip(*rows))


def test_csv_format_round_trip(tmp_path, puzzles):
    f = write_rows(tmp_path/"train.csv", [(INKALA, SOLUTION, 1611)] + puzzles)
    assert f.read_text().splitlines()[0] == "source,question,answer,rating"
    q, a, r, csv = load_sudoku_csv(f)
    assert q.dtype == np.uint8 and q.shape == a.shape == (9, 81)
    assert decode_sudoku(q[0]) == INKALA and decode_sudoku(a[0]) == SOLUTION and r[0] == 1611
    assert (q[0] == 1).sum() == INKALA.count(".")            # token 1 = blank, digits d -> d + 1
    assert valid_sudoku_solutions(q, a).all()


@pytest.mark.parametrize("row, question, answer, rating, message", [
    (0, INKALA[:-1], None, None, "train.csv:2: question has 80 characters, expected 81"),
    (1, None, SOLUTION + "1", None, "train.csv:3: answer has 82 characters, expected 81"),
    (2, "x" + INKALA[1:], None, None, "train.csv:4: question has character 'x' at position 0"),
    (2, None, "." + SOLUTION[1:], None, "train.csv:4: answer has character '.' at position 0"),
    (0, None, "9" + SOLUTION[1:], None, "train.csv:2: the solution changes the clue at cell 0"),
    (0, "." * 81, "123456789" * 9, None, "train.csv:2: the solution repeats a digit in column 1"),
    (1, "." * 81, SOLUTION, None, "train.csv:3: the question has 0 clues; with fewer than 17 a Sudoku has several solutions"),
    (3, None, None, "1.5", "train.csv:5: rating '1.5' is not an integer"),
])
def test_csv_bad_rows(tmp_path, puzzles, row, question, answer, rating, message):
    rows = [list(x) for x in [(INKALA, SOLUTION, 1611)] + puzzles]
    for k, v in enumerate((question, answer, rating)):
        if v is not None: rows[row][k] = v
    with pytest.raises(DataError, match=re.escape(message)):
        load_sudoku_csv(write_rows(tmp_path/"train.csv", rows))


def test_csv_bad_files(tmp_path):
    (tmp_path/"cols.csv").write_text("source,puzzle,solution,rating\nx,1,2,3\n")
    with pytest.raises(DataError, match=r"cols.csv: missing column\(s\) \['question', 'answer'\]"):
        load_sudoku_csv(tmp_path/"cols.csv")
    (tmp_path/"empty.csv").write_text("source,question,answer,rating\n")
    with pytest.raises(DataError, match="empty.csv: no rows"):
        load_sudoku_csv(tmp_path/"empty.csv")
    with pytest.raises(DataError, match="missing.csv: no such file"):
        load_sudoku_csv(tmp_path/"missing.csv")


def test_bad_csv_leaves_no_cache(tmp_path, cache, puzzles):
    d = tmp_path/"repo"; d.mkdir()
    write_rows(d/"test.csv", [(INKALA, SOLUTION, 1611)])
    write_rows(d/"train.csv", puzzles[:3] + [(puzzles[3][0], puzzles[4][1], 1)])
    cfg = SudokuConfig(source=str(d), n_train=2, n_test=None, n_aug=3)
    with pytest.raises(DataError, match="train.csv:5: the solution"):
        build_sudoku(cfg)
    assert not cache.exists()
    write_rows(d/"train.csv", puzzles[:4])
    train, test = build_sudoku(cfg)
    assert (len(train), len(test)) == (8, 1) and list(cache.rglob("*.npz"))
    assert not list(cache.rglob("*.tmp"))


def test_hub_dataset_path(tmp_path, monkeypatch, puzzles):
    "A hub name goes through huggingface_hub.hf_hub_download (faked here: no network in tests)"
    import huggingface_hub
    hub = tmp_path/"hub"; hub.mkdir()
    write_rows(hub/"train.csv", puzzles[:6]); write_rows(hub/"test.csv", puzzles[6:])
    calls = []
    def fake_download(repo_id, filename, repo_type=None, **kw):
        calls.append((repo_id, filename, repo_type)); return str(hub/filename)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    train, test = build_sudoku(SudokuConfig(source="sapientinc/sudoku-extreme", n_train=4, n_test=None, n_aug=2))
    assert calls == [("sapientinc/sudoku-extreme", "train.csv", "dataset"), ("sapientinc/sudoku-extreme", "test.csv", "dataset")]
    assert (len(train), len(test), test.puzzle_ids.tolist()) == (12, 2, [5, 6])
    def offline(*a, **kw): raise OSError("offline")
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", offline)
    with pytest.raises(DataError, match="could not download .* of hub dataset 'someone/else'"):
        build_sudoku(SudokuConfig(source="someone/else"))


def arrays_digest(ps: PuzzleSet) -> str:
    h = hashlib.sha256()
    for a in (ps.inputs, ps.labels, ps.puzzle_ids, ps.ratings): h.update(a.tobytes())
    return h.hexdigest()


def test_reproducible_and_seeded(tmp_path):
    cfg = SudokuConfig(n_train=4, n_test=2, n_aug=3, min_rating=10)
    a_tr, a_te = build_sudoku(cfg.replace(cache_dir=str(tmp_path/"a")))
    b_tr, b_te = build_sudoku(cfg.replace(cache_dir=str(tmp_path/"b")))
    assert arrays_digest(a_tr) == arrays_digest(b_tr) and arrays_digest(a_te) == arrays_digest(b_te)
    assert [f.read_bytes() for f in sorted((tmp_path/"a").rglob("*.npz"))] == \
           [f.read_bytes() for f in sorted((tmp_path/"b").rglob("*.npz"))]    # byte-identical files
    c_tr, _ = build_sudoku(cfg.replace(data_seed=1, cache_dir=str(tmp_path/"c")))
    assert arrays_digest(c_tr) != arrays_digest(a_tr)
    again = build_sudoku(cfg.replace(cache_dir=str(tmp_path/"a")))[0]
    assert again.from_cache and arrays_digest(again) == arrays_digest(a_tr)


def test_generated_puzzles_are_unique_and_held_out():
    train, test = build_sudoku(SudokuConfig(n_train=4, n_test=3, n_aug=2, min_rating=20))
    for ps in (train, test):
        assert valid_sudoku_solutions(ps.inputs, ps.labels).all() and (ps.ratings >= 20).all()
        for q, a in zip(ps.inputs, ps.labels):
            r = solve_sudoku((q - 1).tolist())
            assert r.n_solutions == 1 and r.solution == (a - 1).tolist()
    canon = lambda ps, rows: {canonical_sudoku(ps.inputs[i] - 1, ps.labels[i] - 1) for i in rows}
    assert not canon(train, range(len(train))) & canon(test, range(len(test)))
    assert len(canon(train, range(3))) == 1                     # a puzzle and its 2 augmented copies


def test_augmentations_invert():
    rng = np.random.default_rng(0)
    q, a = np.tile(encode_sudoku(INKALA), (200, 1)), np.tile(encode_sudoku(SOLUTION), (200, 1))
    perm, tok_map = sudoku_transforms(rng, 200)
    qa, aa = apply_transforms(q, perm, tok_map), apply_transforms(a, perm, tok_map)
    assert valid_sudoku_solutions(qa, aa).all()
    assert (tok_map[:, :2] == [0, 1]).all()                        # PAD and blank are never relabelled
    inv = invert_transforms(perm, tok_map)
    assert (apply_transforms(qa, *inv) == q).all() and (apply_transforms(aa, *inv) == a).all()
    assert len({canonical_sudoku(x - 1, y - 1) for x, y in zip(qa[:8], aa[:8])}) == 1


@pytest.mark.slow
def test_workers_do_not_change_the_result():
    "Worker processes start with spawn and import the package (slow: ~10 s), so this is a slow test"
    one = generate_sudoku(6, min_rating=10, seed=2, workers=1, progress=False)
    two = generate_sudoku(6, min_rating=10, seed=2, workers=2, progress=False)
    for x, y in zip(one[:3], two[:3]): assert (x == y).all()


def test_cli(tmp_path):
    s = SUDOKU.cli(["--out", str(tmp_path/"out"), "--n_train", "3", "--n_test", "2", "--n_aug", "1", "--min_rating", "5"])
    train = PuzzleSet.load(tmp_path/"out"/"train.npz")
    assert (s["train_rows"], len(train), train.fingerprint(), train.vocab_size) == (6, 6, s["fingerprint"]["train"], 11)
    with pytest.raises(ConfigError, match="n_train must be >= 1"):
        SUDOKU.cli(["--out", str(tmp_path/"out"), "--n_train", "0"])


MAIN = [sys.executable, "-c", "import sys; from reasoning_nb.puzzles.sudoku_data import SUDOKU; SUDOKU.main(sys.argv[1:])"]


@pytest.mark.parametrize("args, message", [
    (["--out", "{file}"], "rnb-build-sudoku: error: --out {file}: is a file; --out names a directory"),
    (["--out", "{dir}", "--n_train", "x"], "rnb-build-sudoku: error: n_train must be an int or None, got 'x'"),
    (["--n_train", "3"], "rnb-build-sudoku: error: the following arguments are required: --out"),
])
def test_cli_bad_input_is_one_line(tmp_path, args, message):
    "`rnb-build-sudoku` with a bad input: exit status 2 and one line on stderr, no traceback (issue 16)"
    (tmp_path/"a_file").write_text("x")
    fill = lambda a: a.format(file=tmp_path/"a_file", dir=tmp_path/"out")
    r = subprocess.run([*MAIN, *map(fill, args)], capture_output=True, text=True)
    lines = r.stderr.splitlines()
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith(fill(message)), r.stderr


def test_deduction_depth_counts_parallel_rounds_of_naked_singles():
    from reasoning_nb.puzzles.sudoku import deduction_depth, UNITS, BLANK
    sol = encode_sudoku("534678912672195348198342567859761423426853791713924856961537284287419635345286179")
    one = sol.copy(); one[[0, 40]] = BLANK                 # two unrelated blanks: both filled in the same round
    assert deduction_depth(one) == 1.0
    chain = sol.copy(); chain[UNITS[0]] = BLANK; chain[UNITS[9]] = BLANK   # row 1 and column 1: the corner waits a round
    assert deduction_depth(chain) == 2.0
    assert deduction_depth(sol) == 0.0
    empty = np.full(81, BLANK); assert deduction_depth(empty) == float("inf")   # no single candidate anywhere
