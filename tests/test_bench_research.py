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
