"""Words for the readiness reasons of an ISAT assessment, in the language the page renders in.

`assessment.py` keeps codes and English sentences (the API returns the English); pages call
these functions while rendering, so every reason goes through gettext with its numbers and
domain names filled in after translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicloop.scaling.assessment import Readiness, ReadinessReason
from civicloop.scaling.models import Domain
from civicloop.web.jinja import number


def _count(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _score(value: object, places: int) -> str:
    """A mean or threshold with the active language's decimal separator."""
    return number(value, places) if isinstance(value, int | float) else "–"


def domain_names(codes: object) -> str:
    """Domain codes as their translated names, separated by commas."""
    labels = dict(Domain.choices)
    names = codes if isinstance(codes, list | tuple) else []
    return ", ".join(str(labels.get(c, c)) for c in names)


Wording = Callable[[Mapping[str, object]], str]

# One translatable sentence per stable reason code of `civicloop.scaling.assessment`.
REASONS: dict[str, Wording] = {
    "too_few_assessors": lambda p: (
        ngettext(
            "%(num)d assessor has rated all ten domains; at least %(needed)d are needed.",
            "%(num)d assessors have rated all ten domains; at least %(needed)d are needed.",
            _count(p.get("complete")),
        )
        % {"num": _count(p.get("complete")), "needed": _count(p.get("needed"))}
    ),
    "mean_below": lambda p: (
        _("Mean rating below %(threshold)s in: %(domains)s.")
        % {"threshold": _score(p.get("threshold"), 1), "domains": domain_names(p.get("domains"))}
    ),
    "all_strong": lambda p: (
        _(
            "Every domain has a mean rating of at least %(threshold)s; evidence of "
            "effectiveness %(effectiveness)s."
        )
        % {
            "threshold": _score(p.get("threshold"), 1),
            "effectiveness": _score(p.get("effectiveness"), 2),
        }
    ),
    "effectiveness_below": lambda p: (
        _("Evidence of effectiveness %(effectiveness)s is below %(threshold)s.")
        % {
            "effectiveness": _score(p.get("effectiveness"), 2),
            "threshold": _score(p.get("threshold"), 1),
        }
    ),
}


def reason_text(reason: ReadinessReason) -> str:
    """The reason in the active language; an unknown code shows its English, never nothing."""
    wording = REASONS.get(reason.code)
    return wording(reason.params) if wording is not None else reason.english()


def readiness_texts(readiness: Readiness) -> list[str]:
    """Every line under the verdict, translated: the reasons, then the domains to moderate."""
    lines = [reason_text(r) for r in readiness.reason_codes]
    if readiness.disputed_domains:
        lines.append(
            _("Assessors disagree by 2 points or more on %(domains)s: discuss before deciding.")
            % {"domains": domain_names(readiness.disputed_domains)}
        )
    return lines
