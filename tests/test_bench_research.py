"The CPU-research sweep's paired comparison (bench/trm_cpu_research.py): differences are taken seed by seed"
import sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
research = pytest.importorskip("trm_cpu_research")


def _summary(rows):
    return {"runs": [{"name": n, "seed": s, "final": {"exact_accuracy": x}} for n, s, x in rows],
            "questions": {"q": ("a", "b")}, "results": {"a": {}, "b": {}}}


def test_paired_differences_pair_by_seed_not_by_order():
    # b's rows are listed in another seed order than a's: pairing by position would give other differences
    s = _summary([("a", 0, 0.5), ("a", 1, 0.6), ("a", 2, 0.9), ("b", 2, 1.0), ("b", 0, 0.7), ("b", 1, 0.6)])
    p = research.paired_differences(s, "a", "b")
    assert p["seeds"] == [0, 1, 2]
    assert p["diffs"] == pytest.approx([0.2, 0.0, 0.1])
    assert p["mean"] == pytest.approx(0.1)
    lo, hi = p["ci95"]
    # t_{0.975, 2} = 4.303; sd of (0.2, 0, 0.1) = 0.1; half width 4.303 * 0.1 / sqrt(3)
    assert hi - lo == pytest.approx(2 * 4.302653 * 0.1 / 3 ** 0.5, rel=1e-4)
    assert "s0 +0.200" in research.question_table(s)


def test_paired_differences_use_only_the_seeds_both_have():
    s = _summary([("a", 0, 0.5), ("a", 1, 0.6), ("b", 1, 0.7)])
    p = research.paired_differences(s, "a", "b")
    assert p["seeds"] == [1] and p["diffs"] == pytest.approx([0.1]) and p["ci95"] is None


def _row(name, seed, exact):
    final = {"exact_accuracy": exact, "changed_accuracy": exact, "cell_accuracy": exact, "steps": 2.0, "copy_exact_accuracy": 0.0,
             "copy_cell_accuracy": 0.5, "majority_cell_accuracy": 0.1, "majority_changed_accuracy": 0.1}
    return {"name": name, "seed": seed, "steps": 10, "wall_s": 1.0, "n_params": 5, "flops_per_step": 1e9, "final": final,
            "eval_curve": [{"step": 10, "time": 1.0, "flops": 1e10, "exact_accuracy": exact}], "exact_by_depth": {},
            "train_check": {"exact_accuracy": 1.0}, "learned_halting": {"exact_accuracy": exact, "mean_steps": 3.0}}


def test_summarize_keeps_committed_runs_and_adds_new_ones(tmp_path, monkeypatch):
    """A fresh clone has no outputs/: the summary keeps the runs of the committed figure JSON and adds (or replaces) those
    finished under outputs/, so re-summarizing after a few new runs never drops measured ones"""
    import json
    research.use_study("converge")
    monkeypatch.setattr(research, "OUT", tmp_path / "out"); monkeypatch.setattr(research, "FIG", tmp_path / "fig")
    (tmp_path / "fig.json").write_text(json.dumps({"study": "converge", "runs": [_row("trm_mlp", 0, 0.9), _row("trm_mlp", 1, 0.8),
                                                                                  _row("gone_config", 0, 0.5)]}))
    for name, seed, x in [("trm_mlp", 1, 0.7), ("dqn_mlp", 0, 0.6)]:
        (tmp_path / "out" / f"{name}_s{seed}").mkdir(parents=True)
        (tmp_path / "out" / f"{name}_s{seed}" / "row.json").write_text(json.dumps(_row(name, seed, x)))
    s = research.summarize()
    assert sorted((r["name"], r["seed"], r["final"]["exact_accuracy"]) for r in s["runs"]) == [
        ("dqn_mlp", 0, 0.6), ("trm_mlp", 0, 0.9), ("trm_mlp", 1, 0.7)]
    assert s["results"]["trm_mlp"]["exact_accuracy"]["values"] == [0.9, 0.7] and s["results"]["dqn_mlp"]["learned_steps"]["mean"] == 3.0
    assert json.loads((tmp_path / "fig.json").read_text())["runs"] == s["runs"] and (tmp_path / "fig.png").exists()
    research.use_study("short")
