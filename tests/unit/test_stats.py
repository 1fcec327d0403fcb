"""The statistics behind verdicts."""

from __future__ import annotations

from golive.stats import clopper_pearson


def test_clopper_pearson_bounds() -> None:
    low, high = clopper_pearson(0, 300)
    assert low == 0 and abs(high - (1 - 0.05 ** (1 / 300))) < 1e-9  # about the rule of three
    low, high = clopper_pearson(5, 1000)
    assert 0.0019 < low < 0.0020 and 0.0104 < high < 0.0105
    assert clopper_pearson(10, 10)[1] == 1.0
