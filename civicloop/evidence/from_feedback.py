"""What the feedback app holds for an impact report: the themes and CX scores of the surveys
linked to the problem, read through its selectors (the surveys are listed once)."""

from __future__ import annotations

from civicloop.core.permissions import Principal
from civicloop.evidence.lines import ScoreLine, ThemeLine
from civicloop.evidence.sources import survey_source
from civicloop.feedback import selectors as feedback_selectors
from civicloop.feedback.models import Survey
from civicloop.portfolio.models import Problem


def feedback_lines(
    problem: Problem, viewer: Principal | None
) -> tuple[list[ThemeLine], list[ScoreLine]]:
    """Themes (most mentioned first) and overall CX scores of the problem's surveys.

    With `viewer`, only surveys they may read; without one (a report share link), only the
    problem's own surveys in its own unit (`feedback.selectors.problem_surveys`).
    """
    surveys = list(feedback_selectors.problem_surveys(viewer=viewer, problem=problem))
    return _themes(surveys), _scores(surveys)


def _themes(surveys: list[Survey]) -> list[ThemeLine]:
    """Themes of the surveys linked to the problem (already redacted, human-reviewed)."""
    themes = []
    for survey in surveys:
        for theme in feedback_selectors.survey_themes(survey=survey):
            quotes = list(theme.quotes or [])
            themes.append(
                ThemeLine(
                    label=theme.label,
                    mentions=int(theme.size),
                    sentiment=None,
                    summary=f"“{quotes[0]}”" if quotes else "",
                    source=survey_source(survey.slug),
                )
            )
    themes.sort(key=lambda t: -t.mentions)
    return themes


def _scores(surveys: list[Survey]) -> list[ScoreLine]:
    """Overall CX scores (GOV.UK satisfaction, CSAT, NPS, …) of the problem's surveys, as
    stored with each survey's figures (`feedback.selectors.survey_summary`, ADR 0019); a
    survey whose figures are still being computed is computed here, so none is left out."""
    lines = []
    for survey in surveys:
        summary = feedback_selectors.survey_summary(survey=survey)
        scores = (
            feedback_selectors.survey_scores(survey=survey).get("all", [])
            if summary.pending
            else summary.overall
        )
        for score in scores:
            lines.append(
                ScoreLine(
                    str(score.label),
                    str(score.kind),
                    score.value,
                    score.ci_low,
                    score.ci_high,
                    int(score.n),
                    survey_source(survey.slug),
                )
            )
    return lines
