"""Evidence grading follows the What Works Centre for Local Economic Growth scoring guide."""

import pytest

from civicloop.stats import grade_evidence


@pytest.mark.parametrize(
    ("kwargs", "sms", "nesta"),
    [
        # randomised, balanced, no attrition, no SRM -> 5
        ({"design": "rct", "srm_p_value": 0.4, "balance_smd": 0.02, "attrition": 0.0}, 5, 3),
        # randomised but baseline imbalance beyond 0.25 SD -> 4
        ({"design": "rct", "srm_p_value": 0.4, "balance_smd": 0.4}, 4, 3),
        # randomised but heavy attrition -> 4
        ({"design": "rct", "attrition": 0.35}, 4, 3),
        # randomisation broken (SRM) -> only a comparison group -> 3
        ({"design": "rct", "srm_p_value": 1e-6}, 3, 3),
        ({"design": "rdd"}, 4, 3),
        ({"design": "iv"}, 4, 3),
        ({"design": "did"}, 3, 3),
        ({"design": "staggered_did", "pretrend_p_value": 0.6}, 3, 3),
        ({"design": "staggered_did", "pretrend_p_value": 0.001}, 2, 2),
        ({"design": "did", "comparison_group_justified": False}, 2, 2),
        ({"design": "synthetic_control"}, 3, 3),
        ({"design": "its"}, 2, 2),
        ({"design": "before_after_controls"}, 2, 2),
        ({"design": "before_after"}, 1, 2),
    ],
)
def test_maryland_and_nesta_levels_follow_the_scoring_guide(kwargs, sms, nesta):
    grade = grade_evidence(**kwargs)
    assert grade.maryland_sms == sms
    assert grade.nesta_level == nesta
    assert grade.reasons


def test_nesta_levels_4_and_5_need_replication_evidence():
    assert grade_evidence(design="rct", independent_replications=1).nesta_level == 4
    assert (
        grade_evidence(
            design="rct", independent_replications=2, replication_system=True
        ).nesta_level
        == 5
    )
    # replication cannot lift a design without a comparison group
    assert grade_evidence(design="its", independent_replications=3).nesta_level == 2


def test_reasons_name_the_problem_that_lowered_the_grade():
    grade = grade_evidence(design="rct", srm_p_value=1e-5)
    assert any("sample ratio mismatch" in reason for reason in grade.reasons)
    with pytest.raises(ValueError, match="unknown design"):
        grade_evidence(design="astrology")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"design": "rct", "srm_p_value": 1e-5, "balance_smd": 0.4, "attrition": 0.3},
        {"design": "rct", "srm_p_value": 0.4, "balance_smd": 0.02, "attrition": 0.01},
        {"design": "rct", "independent_replications": 2, "replication_system": True},
        {"design": "rdd"},
        {"design": "did", "pretrend_p_value": 0.01},
        {"design": "did", "pretrend_p_value": 0.6},
        {"design": "staggered_did"},
        {"design": "synthetic_control", "comparison_group_justified": False},
        {"design": "its"},
        {"design": "correlation"},
    ],
)
def test_every_reason_has_a_stable_code_beside_the_english_sentence(kwargs):
    # Web pages translate reasons from the codes; the CLI and stored payloads keep the sentences.
    grade = grade_evidence(**kwargs)
    assert len(grade.reason_codes) == len(grade.reasons)
    assert all(r.code and r.code.isidentifier() for r in grade.reason_codes)
    assert set(grade.to_dict()) == {"maryland_sms", "nesta_level", "reasons"}


def test_reason_codes_carry_the_numbers_of_the_sentence():
    grade = grade_evidence(design="rct", srm_p_value=1e-5, independent_replications=2)
    by_code = {r.code: r.params for r in grade.reason_codes}
    assert by_code["rct_srm_mismatch"] == {"p_value": 1e-5, "alpha": 0.001}
    assert by_code["nesta_4"] == {"replications": 2}
    assert grade.reasons[1].startswith("sample ratio mismatch (chi-square p = 1e-05")
