"""Words for the codes an impact report carries: designs, roles, sources and grading reasons.

The report itself (`report.py`, `inputs.py`) keeps codes and English sentences, because its
JSON is a contract. Pages call these functions while rendering, inside the language the page is
rendered in (`?lang=es` renders under `translation.override`), so every label and every reason
goes through gettext with its numbers interpolated after translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civicloop.evidence.inputs import EffectLine
from civicloop.evidence.models import Design, EffectRole
from civicloop.evidence.sources import source_code
from civicloop.stats.evidence import Reason
from civicloop.web.jinja import datefmt

SOURCES = {
    "portfolio": gettext_lazy("portfolio KPIs"),
    "experiments": gettext_lazy("experiments"),
    "feedback": gettext_lazy("citizen feedback"),
    "entered by hand": gettext_lazy("entered by hand"),
}


def design_label(code: str) -> str:
    """The design's name in the active language (the code itself if unknown)."""
    label = dict(Design.choices).get(code)
    return str(label) if label is not None else code


def role_label(code: str) -> str:
    label = dict(EffectRole.choices).get(code)
    return str(label) if label is not None else code


def source_label(code: str) -> str:
    label = SOURCES.get(code)
    return str(label) if label is not None else code


def _day(text: str) -> str:
    """An ISO date in the active language's format (the text itself if it is not a date)."""
    try:
        return datefmt(date.fromisoformat(text))
    except ValueError:
        return text


# One translatable sentence per source an adapter of `civicloop.evidence.inputs` writes.
SOURCE_WORDING: dict[str, Callable[[Mapping[str, str]], str]] = {
    "experiment_results": lambda p: (
        _("Experiment %(key)s, results of %(date)s") % {"key": p["key"], "date": _day(p["date"])}
    ),
    "feedback_survey": lambda p: _("Feedback survey %(slug)s") % {"slug": p["slug"]},
    "service_record": lambda p: _("Service record in the experiments app"),
}


def source_text(source: str) -> str:
    """Where a figure comes from, in the active language.

    A service known to the experiments app and completed by hand carries both sources joined
    by "; "; each part an adapter wrote is translated, anything typed in is shown as typed.
    """
    parts = []
    for part in source.split("; "):
        found = source_code(part)
        wording = SOURCE_WORDING.get(found[0]) if found else None
        parts.append(wording(found[1]) if wording is not None and found else part)
    return "; ".join(parts)


def _num(value: object, spec: str) -> str:
    """A number formatted with `spec`, with the active language's decimal separator."""
    if not isinstance(value, int | float):
        return "–"
    text = format(value, spec)
    separator = formats.get_format("DECIMAL_SEPARATOR")
    return text.replace(".", separator) if separator != "." else text


def _pct(value: object, signed: bool = False) -> str:
    if not isinstance(value, int | float):
        return "–"
    return _num(value * 100, "+.0f" if signed else ".0f")


def _count(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


Wording = Callable[[Mapping[str, object]], str]

# One translatable sentence per stable reason code of `civicloop.stats.evidence`.
REASONS: dict[str, Wording] = {
    "rct_randomised": lambda p: _(
        "Units were randomly assigned (SMS 5 if balance holds and there is no attrition)."
    ),
    "rct_srm_mismatch": lambda p: (
        _(
            "Sample ratio mismatch (chi-square p = %(p)s < %(alpha)s): assignment or logging is "
            "broken, so the arms are only a comparison group (SMS 3)."
        )
        % {"p": _num(p.get("p_value"), ".2g"), "alpha": _num(p.get("alpha"), "g")}
    ),
    "rct_srm_ok": lambda p: (
        _("Arm sizes match the designed split (SRM p = %(p)s).")
        % {"p": _num(p.get("p_value"), ".2g")}
    ),
    "rct_imbalance": lambda p: (
        _(
            "Baseline imbalance: the standardised mean difference %(smd)s exceeds %(limit)s "
            "(SMS at most 4)."
        )
        % {"smd": _num(p.get("smd"), ".3f"), "limit": _num(p.get("limit"), "g")}
    ),
    "rct_balanced": lambda p: (
        _("Arms are balanced on the baseline covariate (SMD %(smd)s).")
        % {"smd": _num(p.get("smd"), ".3f")}
    ),
    "rct_no_covariate": lambda p: _(
        "No baseline covariate given: balance was checked through the sample ratio only."
    ),
    "rct_attrition_unreported": lambda p: _(
        "Attrition not reported: assumed none because every assigned unit is analysed."
    ),
    "rct_attrition_material": lambda p: (
        _(
            "Attrition of %(overall)s%% overall and %(differential)s points differential is "
            "material (SMS at most 4)."
        )
        % {"overall": _pct(p.get("overall")), "differential": _pct(p.get("differential"), True)}
    ),
    "rct_attrition_negligible": lambda p: (
        _("Attrition of %(overall)s%% overall is negligible.") % {"overall": _pct(p.get("overall"))}
    ),
    "quasi_random": lambda p: (
        _("%(design)s exploits quasi-random variation (SMS 4).")
        % {"design": design_label(str(p.get("design")))}
    ),
    "comparison_group_unjustified": lambda p: (
        _("%(design)s without a justified comparison group (SMS 2).")
        % {"design": design_label(str(p.get("design")))}
    ),
    "comparison_group": lambda p: (
        _("%(design)s with a comparison group and before/after data (SMS 3).")
        % {"design": design_label(str(p.get("design")))}
    ),
    "pretrend_untested": lambda p: _("Parallel pre-trends not tested (no pre-period contrasts)."),
    "pretrend_differs": lambda p: (
        _(
            "Pre-trends differ (joint test p = %(p)s < %(alpha)s): the comparison group is not "
            "credible (SMS 2)."
        )
        % {"p": _num(p.get("p_value"), ".2g"), "alpha": _num(p.get("alpha"), "g")}
    ),
    "pretrend_ok": lambda p: (
        _("No evidence of differing pre-trends (p = %(p)s).") % {"p": _num(p.get("p_value"), ".2g")}
    ),
    "no_comparison_group": lambda p: (
        _("%(design)s: no untreated comparison group (SMS 2).")
        % {"design": design_label(str(p.get("design")))}
    ),
    "no_controls": lambda p: (
        _("%(design)s without controls (SMS 1).") % {"design": design_label(str(p.get("design")))}
    ),
    "nesta_2": lambda p: _("Nesta 2: data show a change but cannot establish causality."),
    "nesta_3": lambda p: _(
        "Nesta 3: a comparison group shows that the change is caused by the work."
    ),
    "nesta_4": lambda p: (
        ngettext(
            "Nesta 4: %(num)d independent replication confirms the effect.",
            "Nesta 4: %(num)d independent replications confirm the effect.",
            _count(p.get("replications")),
        )
        % {"num": _count(p.get("replications"))}
    ),
    "nesta_5": lambda p: _("Nesta 5: manuals and systems exist for replication at scale."),
    "planning_only": lambda p: _(
        "A power calculation plans a study; it is not evidence of impact."
    ),
}


def reason_text(reason: Reason) -> str:
    """The reason in the active language; an unknown code shows the code, never nothing."""
    wording = REASONS.get(reason.code)
    return wording(reason.params) if wording is not None else reason.code


def reason_texts(effect: EffectLine) -> list[str]:
    """The grading reasons of an effect, translated, in the order the grader gave them."""
    if not effect.reason_codes:  # graded elsewhere without codes: the English is all we have
        return list(effect.reasons)
    return [reason_text(r) for r in effect.reason_codes]


# A missing input and what it hides, as a cell of a table says it ...
MISSING_SHORT = {
    "value_per_outcome_unit": gettext_lazy("enter the value per outcome unit to see savings"),
    "one_off_cost": gettext_lazy("enter the one-off cost to see payback"),
    "annual_running_cost": gettext_lazy("enter the annual running cost to see net savings"),
}
# ... and as a sentence that names the service.
MISSING_SENTENCE = {
    "value_per_outcome_unit": gettext_lazy(
        "%(service)s: enter the value per outcome unit to see savings."
    ),
    "one_off_cost": gettext_lazy(
        "%(service)s: enter the one-off cost of the intervention to see payback and the cost "
        "per unit of outcome."
    ),
    "annual_running_cost": gettext_lazy(
        "%(service)s: enter the annual running cost to see net savings, payback and the cost "
        "per unit of outcome."
    ),
}


def missing_text(name: str) -> str:
    """What a figure's cell says when the input `name` was not entered."""
    return str(MISSING_SHORT[name])


def missing_sentence(name: str, service: str) -> str:
    """The sentence that names a missing input of a service and what it would show."""
    return str(MISSING_SENTENCE[name]) % {"service": service}


# What templates get: the functions, called while the page renders in its language.
TEMPLATE_HELPERS = {
    "missing_text": missing_text,
    "missing_sentence": missing_sentence,
    "design_label": design_label,
    "role_label": role_label,
    "source_label": source_label,
    "source_text": source_text,
    "reason_texts": reason_texts,
}
