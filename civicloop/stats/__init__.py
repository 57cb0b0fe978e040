"""CivicLoop's evidence engine: pure statistics on sufficient statistics and arrays.

No Django, no I/O, no imports from other civicloop apps (a test enforces it). See
docs/stats/README.md for the method pages.
"""

from civicloop.stats._common import Estimate, StatsInputError, normal_estimate, t_estimate
from civicloop.stats.ab import (
    ABAnalysis,
    ABReport,
    VariantResult,
    analyze_ab,
    analyze_ab_metrics,
)
from civicloop.stats.bayes import BayesSummary, bayes_summary
from civicloop.stats.did import DiDResult, did_2x2, did_panel
from civicloop.stats.evidence import EvidenceGrade, grade_evidence
from civicloop.stats.its import ITSResult, interrupted_time_series
from civicloop.stats.margin import MarginTestResult, margin_test
from civicloop.stats.multiple import bh_adjust, holm_adjust
from civicloop.stats.noninferiority import NonInferiorityResult, non_inferiority
from civicloop.stats.power import PowerResult, power_means, power_proportions
from civicloop.stats.sequential import confidence_sequence
from civicloop.stats.srm import SRMResult, srm_check
from civicloop.stats.staggered import StaggeredResult, staggered_did
from civicloop.stats.sufficient import MeanStats, SufficientStats
from civicloop.stats.synth import SynthResult, synthetic_control

__all__ = [
    "ABAnalysis",
    "ABReport",
    "BayesSummary",
    "DiDResult",
    "Estimate",
    "EvidenceGrade",
    "ITSResult",
    "MarginTestResult",
    "MeanStats",
    "NonInferiorityResult",
    "PowerResult",
    "SRMResult",
    "StaggeredResult",
    "StatsInputError",
    "SufficientStats",
    "SynthResult",
    "VariantResult",
    "analyze_ab",
    "analyze_ab_metrics",
    "bayes_summary",
    "bh_adjust",
    "confidence_sequence",
    "did_2x2",
    "did_panel",
    "grade_evidence",
    "holm_adjust",
    "interrupted_time_series",
    "margin_test",
    "non_inferiority",
    "normal_estimate",
    "power_means",
    "power_proportions",
    "srm_check",
    "staggered_did",
    "synthetic_control",
    "t_estimate",
]
