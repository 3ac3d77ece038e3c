"The paired tests and intervals of reasoning_nb.stats against closed forms (the notebook's examples, as guards for mutants)"
import math
import numpy as np
import pytest
from reasoning_nb.stats import wilson_ci, mcnemar, auroc_ci, auroc_diff


def closed_mcnemar(b, c): return min(1.0, 2 * sum(math.comb(b + c, i) for i in range(min(b, c) + 1)) / 2 ** (b + c))


@pytest.mark.parametrize("b,c", [(7, 34), (0, 5), (3, 4), (10, 2), (12, 3)])
def test_mcnemar_closed_form(b, c):
    r = mcnemar([True] * b + [False] * c + [True] * 3, [False] * b + [True] * c + [True] * 3)
    assert (r["only_a"], r["only_b"], r["both"]) == (b, c, 3)
    assert r["p"] == pytest.approx(closed_mcnemar(b, c), rel=1e-9)


def test_wilson_closed_form():
    z = 1.96
    for n in (1, 7, 50):
        assert wilson_ci(0, n)[1] == pytest.approx(z * z / (n + z * z), rel=1e-12)
        for k in range(n + 1): assert wilson_ci(k, n)[0] == pytest.approx(1 - wilson_ci(n - k, n)[1], abs=1e-12)
    # the centre and half-width in closed form at k = 30, n = 100
    p, n = 0.3, 100
    c, h = (p + z * z / (2 * n)) / (1 + z * z / n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_ci(30, 100) == pytest.approx((c - h, c + h), rel=1e-12)


def test_auroc_paired_bootstrap():
    rng = np.random.default_rng(0); y = rng.random(100) < 0.4; s = y + rng.normal(size=100)
    r = auroc_ci(s, y, n_boot=300)
    assert r["ci"][0] < r["auroc"] < r["ci"][1]
    near = auroc_diff(s, s + 0.01 * rng.normal(size=100), y, n_boot=300)
    assert near["ci"][1] - near["ci"][0] < 0.05                                # paired: the shared part cancels
    better = auroc_diff(rng.normal(size=100), s, y, n_boot=300)
    assert better["ci"][0] > 0 and better["p_le_0"] < 0.05
