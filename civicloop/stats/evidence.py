"""Evidence grading: Maryland Scientific Methods Scale and Nesta Standards of Evidence.

The Maryland scale follows the What Works Centre for Local Economic Growth scoring guide
(Madaleno & Waights, "Guide to scoring methods using the Maryland Scientific Methods Scale",
What Works Centre for Local Economic Growth, 2016):

* 5 - randomised assignment, with balance between arms and no (or negligible) attrition;
* 4 - quasi-random variation: regression discontinuity, instrumental variables, or a randomised
  trial with a minor problem (imbalance on a baseline covariate, material attrition);
* 3 - a justified comparison group with before/after data: difference-in-differences,
  staggered adoption, synthetic control (and a randomised trial whose randomisation failed a
  sample-ratio check, which is no better than a comparison-group design);
* 2 - before/after with controls for trends or a cross-section with controls, and comparison
  group designs whose pre-trends fail;
* 1 - a simple before/after or correlation without controls.

The Nesta Standards of Evidence (Puttick & Ludlow, "Standards of Evidence: an approach that
balances the need for evidence with innovation", Nesta, 2013) describe what a claim rests on:
1 you can describe what you do and why; 2 data show a change; 3 a comparison group shows that
you caused it; 4 one or more independent replications confirm it; 5 manuals and systems make
consistent replication at scale possible. Levels 4 and 5 depend on facts outside one analysis,
so they are granted only when the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Design = Literal[
    "rct",
    "rdd",
    "iv",
    "did",
    "staggered_did",
    "synthetic_control",
    "its",
    "before_after_controls",
    "cross_section_controls",
    "before_after",
    "correlation",
]

DESIGNS: tuple[str, ...] = (
    "rct",
    "rdd",
    "iv",
    "did",
    "staggered_did",
    "synthetic_control",
    "its",
    "before_after_controls",
    "cross_section_controls",
    "before_after",
    "correlation",
)

# Standardised mean difference above which baseline balance fails (What Works Clearinghouse
# Procedures and Standards Handbook v5.0: > 0.25 SD cannot be adjusted away).
BALANCE_SMD_LIMIT = 0.25
# Overall attrition above which a trial loses a level (WWC "cautious" boundary is ~20-30%
# overall depending on differential attrition; we use 20% overall or 5 points differential).
ATTRITION_LIMIT = 0.20
DIFFERENTIAL_ATTRITION_LIMIT = 0.05
SRM_ALPHA = 0.001
PRETREND_ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class EvidenceGrade:
    """Maryland SMS (1-5) and Nesta level (1-5) with the reasons that produced them.

    Either level is ``None`` when the result is not evidence of impact (a power calculation).
    """

    maryland_sms: int | None
    nesta_level: int | None
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "maryland_sms": self.maryland_sms,
            "nesta_level": self.nesta_level,
            "reasons": list(self.reasons),
        }


def grade_evidence(
    *,
    design: str,
    srm_p_value: float | None = None,
    balance_smd: float | None = None,
    attrition: float | None = None,
    differential_attrition: float | None = None,
    pretrend_p_value: float | None = None,
    comparison_group_justified: bool = True,
    independent_replications: int = 0,
    replication_system: bool = False,
) -> EvidenceGrade:
    """Grade one analysis on the Maryland SMS and the Nesta Standards of Evidence."""
    if design not in DESIGNS:
        raise ValueError(f"unknown design {design!r}; expected one of {', '.join(DESIGNS)}")
    reasons: list[str] = []
    sms: int
    if design == "rct":
        sms = 5
        reasons.append("units were randomly assigned (SMS 5 if balance holds and no attrition)")
        if srm_p_value is not None and srm_p_value < SRM_ALPHA:
            sms = 3
            reasons.append(
                f"sample ratio mismatch (chi-square p = {srm_p_value:.2g} < {SRM_ALPHA}): "
                "assignment or logging is broken, so arms are only a comparison group (SMS 3)"
            )
        elif srm_p_value is not None:
            reasons.append(f"arm sizes match the designed split (SRM p = {srm_p_value:.2g})")
        if balance_smd is not None:
            if abs(balance_smd) > BALANCE_SMD_LIMIT:
                sms = min(sms, 4)
                reasons.append(
                    f"baseline imbalance: standardised mean difference {balance_smd:.3f} "
                    f"exceeds {BALANCE_SMD_LIMIT} (SMS at most 4)"
                )
            else:
                reasons.append(f"arms balanced on the baseline covariate (SMD {balance_smd:.3f})")
        else:
            reasons.append("no baseline covariate given: balance checked through SRM only")
        if attrition is None and differential_attrition is None:
            reasons.append(
                "attrition not reported: assumed none because every assigned unit is analysed"
            )
        else:
            overall = attrition or 0.0
            differential = differential_attrition or 0.0
            if overall > ATTRITION_LIMIT or abs(differential) > DIFFERENTIAL_ATTRITION_LIMIT:
                sms = min(sms, 4)
                reasons.append(
                    f"attrition {overall:.0%} overall, {differential:+.0%} differential "
                    "is material (SMS at most 4)"
                )
            else:
                reasons.append(f"attrition {overall:.0%} overall is negligible")
    elif design in ("rdd", "iv"):
        sms = 4
        label = "regression discontinuity" if design == "rdd" else "instrumental variables"
        reasons.append(f"{label} exploits quasi-random variation (SMS 4)")
    elif design in ("did", "staggered_did", "synthetic_control"):
        label = {
            "did": "difference-in-differences",
            "staggered_did": "staggered difference-in-differences (Callaway & Sant'Anna)",
            "synthetic_control": "synthetic control",
        }[design]
        if not comparison_group_justified:
            sms = 2
            reasons.append(f"{label} without a justified comparison group (SMS 2)")
        else:
            sms = 3
            reasons.append(f"{label} with a comparison group and before/after data (SMS 3)")
            if pretrend_p_value is None:
                reasons.append("parallel pre-trends not tested (no pre-period contrasts)")
            elif pretrend_p_value < PRETREND_ALPHA:
                sms = 2
                reasons.append(
                    f"pre-trends differ (joint test p = {pretrend_p_value:.2g} < "
                    f"{PRETREND_ALPHA}): comparison group not credible (SMS 2)"
                )
            else:
                reasons.append(f"no evidence of differing pre-trends (p = {pretrend_p_value:.2g})")
    elif design in ("its", "before_after_controls", "cross_section_controls"):
        sms = 2
        label = {
            "its": "interrupted time series (before/after controlling for the trend)",
            "before_after_controls": "before/after comparison with controls",
            "cross_section_controls": "cross-sectional comparison with controls",
        }[design]
        reasons.append(f"{label}, no untreated comparison group (SMS 2)")
    else:
        sms = 1
        reasons.append("before/after or correlation without controls (SMS 1)")

    nesta: int
    if sms >= 3:
        nesta = 3
        reasons.append("Nesta 3: a comparison group shows the change is caused by the work")
        if independent_replications >= 1:
            nesta = 4
            reasons.append(
                f"Nesta 4: {independent_replications} independent replication(s) reported"
            )
            if replication_system:
                nesta = 5
                reasons.append("Nesta 5: manuals and systems exist for replication at scale")
    else:
        nesta = 2
        reasons.append("Nesta 2: data show a change but cannot establish causality")
    return EvidenceGrade(maryland_sms=sms, nesta_level=nesta, reasons=reasons)


def planning_grade() -> EvidenceGrade:
    """The grade of a plan (power calculation): no evidence of impact yet."""
    return EvidenceGrade(
        maryland_sms=None,
        nesta_level=None,
        reasons=["a power calculation plans a study; it is not evidence of impact"],
    )
