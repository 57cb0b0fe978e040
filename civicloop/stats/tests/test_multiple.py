"""Holm and Benjamini-Hochberg on the worked example of Benjamini & Hochberg (1995).

The 15 p-values are those of the paper's example. At level 0.05 the paper
reports that the FDR procedure rejects the four smallest hypotheses while Bonferroni-type
procedures reject three; the adjusted values below are the step-down / step-up formulas worked
by hand on those numbers.
"""

import numpy as np
import pytest

from civicloop.stats import bh_adjust, holm_adjust

PAPER_P = [
    0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
    0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000,
]  # fmt: skip


def test_bh_rejects_the_four_hypotheses_the_paper_rejects():
    adjusted = bh_adjust(PAPER_P)
    assert int((adjusted <= 0.05).sum()) == 4
    # min over j >= i of 15 p_(j) / j
    assert adjusted[:4] == pytest.approx([0.0015, 0.003, 0.0095, 0.035625], rel=1e-12)
    assert adjusted[4] == pytest.approx(15 * 0.0201 / 5, rel=1e-12)
    assert adjusted[-1] == 1.0


def test_holm_rejects_three_as_the_paper_reports_for_bonferroni_type_procedures():
    adjusted = holm_adjust(PAPER_P)
    assert int((adjusted <= 0.05).sum()) == 3
    # running max of (m - i + 1) p_(i)
    assert adjusted[:4] == pytest.approx([0.0015, 0.0056, 0.0247, 0.114], rel=1e-12)
    assert adjusted[-1] == 1.0


def test_adjustment_keeps_the_input_order_and_accepts_an_empty_family():
    shuffled = np.array(PAPER_P)[::-1]
    assert bh_adjust(shuffled)[::-1] == pytest.approx(bh_adjust(PAPER_P), rel=1e-12)
    assert holm_adjust(shuffled)[::-1] == pytest.approx(holm_adjust(PAPER_P), rel=1e-12)
    assert holm_adjust([]).size == 0
    assert bh_adjust([]).size == 0
