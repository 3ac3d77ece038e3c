"Maze puzzles: the maze-30x30-hard-1k CSV format (good and bad rows), hub path, reproducibility, shortest paths, dihedral inverses."
import hashlib, re
from pathlib import Path

import numpy as np
import pytest

from reasoning_nb.data import DataError
from reasoning_nb.puzzles.base import PuzzleSet, apply_transforms, invert_transforms
from reasoning_nb.puzzles.csv_io import write_puzzle_csv
from reasoning_nb.puzzles.maze import (GOAL, MAZE, OPEN, PATH, START, WALL, MazeConfig, build_maze, canonical_maze,
                                       decode_maze, dihedral_perms, encode_maze, generate_mazes, load_maze_csv,
                                       maze_bfs, maze_solution_error, maze_transforms, valid_maze_solutions)


pytestmark = pytest.mark.usefixtures("cache")   # every test caches into its own temp dir (conftest)


@pytest.fixture(scope="module")
def mazes():
    "Six generated 30x30 mazes (question, answer, rating) in the CSV's text format"
    Q, A, L, _ = generate_mazes(6, loop_prob=0.05, seed=4, stream="pytest", progress=False)
    return [(decode_maze(q), decode_maze(a), int(n)) for q, a, n in zip(Q, A, L)]


def write_rows(path: Path, rows) -> Path:
    return write_puzzle_csv(path, *zip(*rows))


def knock(s: str, i: int, c: str) -> str: return s[:i] + c + s[i + 1:]


def test_csv_format_round_trip(tmp_path, mazes):
    f = write_rows(tmp_path/"train.csv", mazes)
    assert f.read_text().splitlines()[0] == "source,question,answer,rating"
    q, a, n, _ = load_maze_csv(f)
    assert q.shape == a.shape == (6, 900) and q.dtype == np.uint8
    assert [decode_maze(x) for x in a] == [m[1] for m in mazes]     # spaces survive the CSV round trip
    assert n.tolist() == [m[2] for m in mazes] and (n > 110).all()
    assert set(np.unique(q)) <= {WALL, OPEN, START, GOAL} and set(np.unique(a)) == {WALL, OPEN, START, GOAL, PATH}
    assert encode_maze("# SGo").tolist() == [1, 2, 3, 4, 5]


def bad_rows(mazes):
    "(row, question, answer, rating, message) cases, built from real mazes"
    q0, a0 = mazes[0][0], mazes[0][1]
    wall, path = q0.index("#"), a0.index("o")
    s2 = mazes[2][0].index("S")
    return [
        (0, q0[:-1], None, None, "train.csv:2: question has 899 characters, expected 900"),
        (1, knock(mazes[1][0], 5, "o"), None, None, "train.csv:3: question has character 'o' at position 5"),
        (1, None, knock(mazes[1][1], 7, "x"), None, "train.csv:3: answer has character 'x' at position 7"),
        (0, None, knock(a0, wall, " "), None, f"train.csv:2: the answer changes cell ({wall // 30}, {wall % 30}) from '#' to ' '"),
        (0, None, knock(a0, path, " "), None, "train.csv:2: the marked cells do not connect S to G"),
        (2, knock(mazes[2][0], s2, " "), knock(mazes[2][1], s2, " "), None, "train.csv:4: the question has 0 S cells, expected 1"),
        (3, None, None, "far", "train.csv:5: rating 'far' is not an integer"),
    ]


@pytest.mark.parametrize("case", range(7))
def test_csv_bad_rows(tmp_path, mazes, case):
    row, question, answer, rating, message = bad_rows(mazes)[case]
    rows = [list(m) for m in mazes]
    for k, v in enumerate((question, answer, rating)):
        if v is not None: rows[row][k] = v
    with pytest.raises(DataError, match=re.escape(message)):
        load_maze_csv(write_rows(tmp_path/"train.csv", rows))


def test_validator_rejects_longer_paths():
    q = "S  " + " # " + "  G"
    assert maze_solution_error(q, "Soo" + " #o" + "  G") is None
    assert maze_solution_error(q, "S  " + "o# " + "ooG") is None                       # the other shortest path
    assert "not a shortest path" in maze_solution_error(q, "Soo" + "o#o" + "ooG")
    assert maze_solution_error(q, "S#o" + " #o" + "  G").startswith("the answer changes cell (0, 1)")


def test_bad_csv_leaves_no_cache(tmp_path, cache, mazes):
    d = tmp_path/"repo"; d.mkdir()
    write_rows(d/"test.csv", mazes[:2])
    write_rows(d/"train.csv", mazes[2:5] + [(mazes[5][0], mazes[4][1], 1)])
    cfg = MazeConfig(source=str(d), n_train=2, n_test=None, n_aug=7)
    with pytest.raises(DataError, match="train.csv:5: the answer changes cell"):
        build_maze(cfg)
    assert not cache.exists()
    write_rows(d/"train.csv", mazes[2:])
    train, test = build_maze(cfg)
    assert (len(train), len(test)) == (16, 2) and not list(cache.rglob("*.tmp"))


def test_hub_dataset_path(tmp_path, monkeypatch, mazes):
    import huggingface_hub
    hub = tmp_path/"hub"; hub.mkdir()
    write_rows(hub/"train.csv", mazes[:4]); write_rows(hub/"test.csv", mazes[4:])
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", lambda repo_id, filename, repo_type=None, **kw: str(hub/filename))
    train, test = build_maze(MazeConfig(source="sapientinc/maze-30x30-hard-1k", n_train=4, n_test=None))
    assert (len(train), len(test), test.puzzle_ids.tolist()) == (4, 2, [5, 6])
    assert sorted(decode_maze(q) for q in train.inputs) == sorted(m[0] for m in mazes[:4])
    with pytest.raises(DataError, match=r"test.csv: no rows rated >= 10001"):   # path longer than min_path_len
        build_maze(MazeConfig(source="sapientinc/maze-30x30-hard-1k", n_test=None, min_path_len=10_000))


def arrays_digest(ps: PuzzleSet) -> str:
    h = hashlib.sha256()
    for a in (ps.inputs, ps.labels, ps.puzzle_ids, ps.ratings): h.update(a.tobytes())
    return h.hexdigest()


def test_reproducible_and_seeded(tmp_path):
    cfg = MazeConfig(n_train=10, n_test=5, n_aug=3)
    a_tr, a_te = build_maze(cfg.replace(cache_dir=str(tmp_path/"a")))
    b_tr, b_te = build_maze(cfg.replace(cache_dir=str(tmp_path/"b")))
    assert (arrays_digest(a_tr), arrays_digest(a_te)) == (arrays_digest(b_tr), arrays_digest(b_te))
    assert [f.read_bytes() for f in sorted((tmp_path/"a").rglob("*.npz"))] == \
           [f.read_bytes() for f in sorted((tmp_path/"b").rglob("*.npz"))]
    assert arrays_digest(build_maze(cfg.replace(data_seed=1, cache_dir=str(tmp_path/"c")))[0]) != arrays_digest(a_tr)


def test_generated_mazes_have_long_unique_shortest_paths():
    train, test = build_maze(MazeConfig(n_train=20, n_test=10, n_aug=1, loop_prob=0.1, min_path_len=60))
    for ps in (train, test):
        assert valid_maze_solutions(ps.inputs, ps.labels).all() and (ps.ratings > 60).all()
        for q, a, n in zip(ps.inputs, ps.labels, ps.ratings):
            free = (q != WALL).reshape(30, 30)
            dist, count = maze_bfs(free, int(np.flatnonzero(q == START)[0]))
            g = int(np.flatnonzero(q == GOAL)[0])
            assert dist.ravel()[g] == n == (a == PATH).sum() + 1 and count.ravel()[g] == 1
    train_c = {canonical_maze(q) for q in train.inputs}
    assert len(train_c) == 20 and not train_c & {canonical_maze(q) for q in test.inputs}
    assert valid_maze_solutions(*generate_mazes(5, loop_prob=0.3, min_path_len=30, unique_path=False,
                                                progress=False)[:2]).all()


def test_dihedral_transforms_invert():
    Q, A, _, _ = generate_mazes(1, seed=9, progress=False)
    perms = dihedral_perms(30)
    assert (perms[0] == np.arange(900)).all() and len({p.tobytes() for p in perms}) == 8
    ident = np.tile(np.arange(6), (8, 1))
    qa, aa = apply_transforms(np.tile(Q[0], (8, 1)), perms, ident), apply_transforms(np.tile(A[0], (8, 1)), perms, ident)
    assert valid_maze_solutions(qa, aa).all()
    inv = invert_transforms(perms, ident)
    assert (apply_transforms(qa, *inv) == Q[0]).all() and (apply_transforms(aa, *inv) == A[0]).all()
    assert (qa[2].reshape(30, 30) == np.rot90(Q[0].reshape(30, 30), 2)).all()
    assert len({canonical_maze(q) for q in qa}) == 1
    perm, tok_map = maze_transforms(np.random.default_rng(0), 7)
    assert sorted(next(k for k in range(8) if (perms[k] == p).all()) for p in perm) == list(range(1, 8))


def test_cli(tmp_path):
    s = MAZE.cli(["--out", str(tmp_path/"out"), "--n_train", "4", "--n_test", "2", "--n_aug", "2"])
    test = PuzzleSet.load(tmp_path/"out"/"test.npz")
    assert (s["train_rows"], s["test_rows"], test.fingerprint(), test.seq_len, test.vocab_size) == \
           (12, 2, s["fingerprint"]["test"], 900, 6)
