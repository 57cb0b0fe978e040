"""Every read of the feedback app, scoped by `core.permissions`; scores come from `scoring`."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext, gettext_noop

from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.core.selectors import units_for
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Iteration
from civicloop.feedback import respondents, scoring
from civicloop.feedback.item_banks import CX_DRIVERS
from civicloop.feedback.labels import AGE_BANDS, LANGUAGES
from civicloop.feedback.models import (
    Answer,
    Channel,
    ProfileTarget,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
    Theme,
)
from civicloop.portfolio.models import Problem

GROUPINGS = ("iteration", "variant", "month", "channel", "language")
# Marked for translation here, translated when a summary is built (in the reader's language).
SCORE_LABELS = {
    "govuk": gettext_noop("User satisfaction (GOV.UK, % satisfied)"),
    "csat": gettext_noop("CSAT (% satisfied)"),
    "nps": gettext_noop("Net Promoter Score"),
    "sus": gettext_noop("System Usability Scale"),
    "cx:trust": gettext_noop("CX trust (% agree)"),
    "cx:satisfaction": gettext_noop("CX satisfaction (% agree)"),
    "cx:effectiveness": gettext_noop("CX effectiveness (% agree)"),
    "cx:ease": gettext_noop("CX ease (% agree)"),
    "cx:efficiency": gettext_noop("CX efficiency (% agree)"),
    "cx:equity": gettext_noop("CX equity (% agree)"),
    "cx:employee": gettext_noop("CX employee helpfulness (% agree)"),
    "cx:transparency": gettext_noop("CX transparency (% agree)"),
}
assert {f"cx:{d}" for d in CX_DRIVERS} <= set(SCORE_LABELS)


def _label(key: str) -> str:
    return gettext(SCORE_LABELS[key])


def _visible(viewer: Principal, ability: Ability = Ability.VIEW_FEEDBACK) -> QuerySet[Survey]:
    return Survey.objects.filter(
        scope_q(viewer, ability, unit_field="unit_id", agency_field="agency_id")
    )


def survey_list(*, viewer: Principal) -> QuerySet[Survey]:
    """Surveys a viewer may read, with their response counts."""
    return (
        _visible(viewer)
        .select_related("problem")
        .annotate(n_responses=Count("responses", distinct=True))
        .order_by("-created_at")
    )


def problem_surveys(*, viewer: Principal | None, problem: Problem) -> QuerySet[Survey]:
    """The surveys of a problem in the problem's own unit; with a viewer, those they may read.

    Without a viewer: the holder of a report share link, a right staff granted on this one
    problem's report (evidence.selectors.impact_report_for_problem).
    """
    surveys = Survey.objects.filter(problem=problem, unit_id=problem.unit_id)
    if viewer is not None:
        surveys = surveys.filter(pk__in=_visible(viewer).values("pk"))
    return surveys


def survey_get(*, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_FEEDBACK) -> Survey:
    survey = (
        _visible(viewer, ability)
        .select_related("unit", "problem", "feeds_kpi")
        .filter(pk=pk)
        .first()
    )
    if survey is None:
        raise Http404("Not found")
    return survey


def survey_public(*, slug: str) -> Survey:
    """An open survey by its public address (no login)."""
    survey = Survey.objects.filter(slug=slug, status=SurveyStatus.OPEN).first()
    if survey is None:
        raise Http404("Not found")
    return survey


# --- scores -----------------------------------------------------------------------------------


def _group_value(row: dict[str, Any], by: str | None) -> str:
    if by is None:
        return "all"
    if by == "month":
        return row["response__submitted_at"].strftime("%Y-%m")
    value = row[
        {
            "iteration": "response__iteration_key",
            "variant": "response__variant",
            "channel": "response__channel",
            "language": "response__language",
        }[by]
    ]
    return value or "(none)"


def _score_values(rows: list[dict[str, Any]]) -> list[tuple[str, str, list[tuple[int, float]]]]:
    """(score key, kind, [(response id, value)]) per score, in the order pages show them."""
    by_construct: dict[str, list[tuple[int, float]]] = defaultdict(list)
    sus_items: dict[int, dict[int, int]] = defaultdict(dict)
    for row in rows:
        construct, number = row["question__construct"], row["number"]
        if number is None or not construct:
            continue
        if construct.startswith("sus:"):
            sus_items[row["response_id"]][int(construct[4:])] = number
        else:
            by_construct[construct].append((row["response_id"], number))
    out: list[tuple[str, str, list[tuple[int, float]]]] = []
    for key in ("govuk", "csat"):
        if by_construct.get(key):
            out.append((key, "share", by_construct[key]))
    if by_construct.get("nps"):
        out.append(("nps", "nps", by_construct["nps"]))
    totals = [
        (response_id, scoring.sus_total([items[i] for i in range(1, 11)]))
        for response_id, items in sus_items.items()
        if len(items) == 10
    ]
    if totals:
        out.append(("sus", "mean", totals))
    for driver in CX_DRIVERS:
        key = f"cx:{driver}"
        if by_construct.get(key):
            out.append((key, "share", by_construct[key]))
    return out


def scores_from_rows(rows: list[dict[str, Any]]) -> list[scoring.Score]:
    """Scores from answer rows with construct, number and response id."""
    scores: list[scoring.Score] = []
    for key, kind, pairs in _score_values(rows):
        values = [value for _, value in pairs]
        if kind == "share":
            answers = [int(v) for v in values]
            scores.append(scoring.share_score(key, _label(key), answers, top=(4, 5)))
        elif kind == "nps":
            scores.append(scoring.nps_score([int(v) for v in values], label=_label(key)))
        else:
            scores.append(scoring.sus_score(values, label=_label(key)))
    return scores


def _answer_rows(answers: QuerySet[Answer]) -> list[dict[str, Any]]:
    # values() rows are plain dicts; the stubs type them as a TypedDict of these fields.
    return cast(
        "list[dict[str, Any]]",
        list(
            answers.filter(question__kind=QuestionKind.SCALE).values(
                "question__construct",
                "number",
                "response_id",
                "response__submitted_at",
                "response__iteration_key",
                "response__variant",
                "response__channel",
                "response__language",
            )
        ),
    )


def survey_scores(
    *,
    survey: Survey,
    by: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, list[scoring.Score]]:
    """Scores with 95% intervals, overall or per iteration / variant / month / channel."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"by: choose one of {', '.join(GROUPINGS)}")
    answers = Answer.objects.filter(response__survey=survey)
    if start is not None:
        answers = answers.filter(response__submitted_at__gte=start)
    if end is not None:
        answers = answers.filter(response__submitted_at__lt=end)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _answer_rows(answers):
        groups[_group_value(row, by)].append(row)
    return {group: scores_from_rows(rows) for group, rows in sorted(groups.items())}


def satisfaction_share(*, survey: Survey, start: datetime, end: datetime) -> scoring.Score | None:
    """The 'user satisfaction' figure: GOV.UK share satisfied, else CSAT, in a period."""
    scores = survey_scores(survey=survey, start=start, end=end).get("all", [])
    for key in ("govuk", "csat"):
        for score in scores:
            if score.key == key:
                return score
    return None


# --- themes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeSummary:
    key: str
    label: str
    size: int
    share: float  # of the comments in the selection
    quotes: list[str]
    pinned: bool
    negative_share: float | None = None


def _theme_summaries(answers: QuerySet[Answer], limit: int = 5) -> tuple[list[ThemeSummary], int]:
    comments = list(
        answers.filter(question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .values("theme_id", "text", "sentiment_label")
    )
    counts = Counter(c["theme_id"] for c in comments if c["theme_id"] is not None)
    themes = {t.pk: t for t in Theme.objects.filter(pk__in=list(counts))}
    out = []
    for theme_id, size in counts.most_common(limit):
        theme = themes[theme_id]
        texts = [c["text"] for c in comments if c["theme_id"] == theme_id]
        negative = sum(
            1 for c in comments if c["theme_id"] == theme_id and c["sentiment_label"] == "negative"
        )
        preferred = [q for q in theme.quotes if q in texts]
        quotes = (preferred + [t for t in texts if t not in preferred])[:3]
        out.append(
            ThemeSummary(
                theme.key,
                theme.label,
                size,
                size / len(comments),
                quotes,
                theme.pinned,
                negative / size,
            )
        )
    return out, len(comments)


def survey_themes(*, survey: Survey) -> list[Theme]:
    return list(survey.themes.all())


def theme_comments(*, survey: Survey) -> list[Answer]:
    """The survey's comments (already redacted) with their theme, for the review page."""
    return list(
        Answer.objects.filter(response__survey=survey, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .select_related("theme", "response")
        .order_by("theme_id", "pk")
    )


def theme_trends(*, survey: Survey, by: str = "iteration") -> list[dict[str, Any]]:
    """Share of each theme among the comments of each iteration (or variant, or month)."""
    field_name = {
        "iteration": "response__iteration_key",
        "variant": "response__variant",
        "month": "response__submitted_at",
    }[by]
    rows = (
        Answer.objects.filter(response__survey=survey, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .values("theme__label", field_name)
    )
    totals: Counter[str] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        group = row[field_name]
        group = group.strftime("%Y-%m") if by == "month" else (group or "(none)")
        totals[group] += 1
        counts[(row["theme__label"] or "(no theme)", group)] += 1
    return [
        {"theme": theme, "group": group, "comments": n, "share": n / totals[group]}
        for (theme, group), n in sorted(counts.items(), key=lambda i: (i[0][1], -i[1]))
    ]


# --- the summary the experiments app shows on an iteration ------------------------------------


@dataclass(frozen=True)
class FeedbackSummary:
    iteration_key: str
    variant: str | None
    n: int  # responses
    scores: list[scoring.Score]
    themes: list[ThemeSummary]
    comments: int
    sentiment: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "iteration_key": self.iteration_key,
            "variant": self.variant,
            "n": self.n,
            "comments": self.comments,
            "sentiment": self.sentiment,
            "scores": [s.to_dict() for s in self.scores],
            "themes": [t.__dict__ for t in self.themes],
        }


def _summary(responses: QuerySet[Response], key: str, variant: str | None) -> FeedbackSummary:
    if variant is not None:
        responses = responses.filter(variant=variant)
    answers = Answer.objects.filter(response__in=responses)
    scores = scores_from_rows(_answer_rows(answers))
    themes, n_comments = _theme_summaries(answers)
    moods = Counter(answers.exclude(sentiment_label="").values_list("sentiment_label", flat=True))
    return FeedbackSummary(key, variant, responses.count(), scores, themes, n_comments, dict(moods))


def iteration_feedback(
    *, viewer: Principal, iteration: Iteration, variant: str | None = None
) -> FeedbackSummary:
    """Scores with intervals, top themes with sizes and quotes, and n for one iteration.

    Only responses linked to this iteration by foreign key, in surveys of the iteration's own
    unit that the viewer may read: another organisation's service of the same name never counts.
    """
    responses = Response.objects.filter(
        iteration=iteration,
        survey__unit_id=iteration.service.unit_id,
        survey__in=_visible(viewer),
    )
    return _summary(responses, experiments_selectors.iteration_tag(iteration), variant)


def iteration_feedback_summary(*, viewer: Principal, iteration: Iteration) -> dict[str, Any] | None:
    """The JSON summary the experiments app shows and a decision stores; None with no response.

    Registered with `experiments.selectors.iteration_feedback_register` (apps.py): experiments
    is upstream of feedback and does not import it.
    """
    summary = iteration_feedback(viewer=viewer, iteration=iteration)
    return summary.to_dict() if summary.n else None


def feedback_summary_for(
    *,
    viewer: Principal,
    iteration_key: str,
    variant: str | None = None,
    service_key: str | None = None,
) -> FeedbackSummary:
    """The summary of the responses tagged `iteration_key` in surveys the viewer may read.

    For the service dashboard, which groups a unit's own responses by the tags its pages send;
    an experiments iteration is read by foreign key with `iteration_feedback`.
    """
    if not iteration_key:
        raise ValueError("iteration_key: give the iteration's key")
    responses = Response.objects.filter(iteration_key=iteration_key, survey__in=_visible(viewer))
    if service_key:
        responses = responses.filter(service_key=service_key)
    return _summary(responses, iteration_key, variant)


# --- service dashboard ------------------------------------------------------------------------


def service_keys(*, viewer: Principal) -> list[str]:
    surveys = _visible(viewer)
    keys = set(
        Response.objects.filter(survey__in=surveys)
        .exclude(service_key="")
        .values_list("service_key", flat=True)
        .distinct()
    )
    keys |= set(surveys.exclude(service_key="").values_list("service_key", flat=True))
    return sorted(keys)


@dataclass(frozen=True)
class ServiceDashboard:
    service_key: str
    n: int
    over_time: dict[str, list[scoring.Score]]  # month -> scores
    iterations: list[FeedbackSummary]
    themes: list[ThemeSummary]
    comments: int


def service_dashboard(*, viewer: Principal, service_key: str) -> ServiceDashboard:
    """Scores per month with intervals, themes and quotes, and one panel per iteration."""
    responses = Response.objects.filter(service_key=service_key, survey__in=_visible(viewer))
    n = responses.count()
    if n == 0 and not _visible(viewer).filter(service_key=service_key).exists():
        raise Http404("Not found")
    answers = Answer.objects.filter(response__in=responses)
    over_time: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _answer_rows(answers):
        over_time[_group_value(row, "month")].append(row)
    themes, n_comments = _theme_summaries(answers, limit=8)
    iteration_keys = sorted(
        set(responses.exclude(iteration_key="").values_list("iteration_key", flat=True))
    )
    panels = [
        feedback_summary_for(iteration_key=k, service_key=service_key, viewer=viewer)
        for k in iteration_keys
    ]
    return ServiceDashboard(
        service_key,
        n,
        {m: scores_from_rows(r) for m, r in sorted(over_time.items())},
        panels,
        themes,
        n_comments,
    )


# --- representativeness -----------------------------------------------------------------------


_DIMENSION_ORDER: dict[str, list[str]] = {
    "age_band": list(AGE_BANDS),
    "channel": list(Channel.values),
    "language": list(LANGUAGES),
}


def _profile_targets(survey: Survey) -> list[ProfileTarget]:
    """The problem's target make-ups, each with its shares in the dimension's natural order.

    PostgreSQL's jsonb does not keep key order, so the order of groups on the page (and of
    groups named as left out) is fixed here: age bands young to old, channels and languages as
    declared, any other codes alphabetically.
    """
    if survey.problem_id is None:
        return []
    targets = list(
        ProfileTarget.objects.filter(target_group__problems=survey.problem_id)
        .select_related("target_group")
        .order_by("target_group__name", "target_group_id", "dimension")
    )
    for target in targets:
        known = _DIMENSION_ORDER.get(target.dimension, [])
        codes = sorted(
            target.shares,
            key=lambda c: (known.index(c), "") if c in known else (len(known), str(c)),
        )
        target.shares = {code: target.shares[code] for code in codes}
    return targets


def _representativeness(
    target: ProfileTarget, profiles: list[dict[str, Any]]
) -> scoring.Representativeness:
    observed: Counter[str] = Counter(
        str(p[target.dimension]) for p in profiles if p and p.get(target.dimension)
    )
    return scoring.representativeness(target.dimension, dict(observed), target.shares)


def survey_representativeness(*, survey: Survey) -> list[tuple[str, scoring.Representativeness]]:
    """Respondents against each target group's known make-up (the survey's problem's groups)."""
    targets = _profile_targets(survey)
    if not targets:
        return []
    profiles = list(Response.objects.filter(survey=survey).values_list("profile", flat=True))
    return [(t.target_group.name, _representativeness(t, profiles)) for t in targets]


@dataclass(frozen=True)
class WeightedScores:
    """Every score of a survey, unweighted and post-stratified to one target's shares."""

    target_group: str
    dimension: str
    shares: dict[str, float]
    rows: list[tuple[scoring.Score, scoring.WeightedScore]]

    @property
    def empty_groups(self) -> list[str]:
        """Target groups left out of at least one weighted score (no respondents there)."""
        seen: list[str] = []
        for _, w in self.rows:
            seen += [g for g in w.empty_groups if g not in seen]
        return seen

    @property
    def left_out(self) -> int:
        """The most respondents any one score could not weight (no group given)."""
        return max((w.left_out for _, w in self.rows), default=0)


@dataclass(frozen=True)
class TargetCheck:
    """One target group and dimension: who answered against it, and the scores weighted to it."""

    target_group: str
    dimension: str
    representativeness: scoring.Representativeness
    weighted: WeightedScores


def survey_target_checks(*, survey: Survey) -> list[TargetCheck]:
    """For each target group and dimension: the representativeness check and every score
    unweighted and post-stratified to the group's shares.

    A score's weights come from the respondents who answered it (item non-response changes
    the group mix); see `civicloop.stats.weighted` for the estimators and what is done with
    groups that have no respondents.
    """
    targets = _profile_targets(survey)
    if not targets:
        return []
    rows = _answer_rows(Answer.objects.filter(response__survey=survey))
    unweighted = {score.key: score for score in scores_from_rows(rows)}
    values = _score_values(rows)
    profiles: dict[int, dict[str, Any]] = {
        pk: profile or {}
        for pk, profile in Response.objects.filter(survey=survey).values_list("pk", "profile")
    }
    checks = []
    for target in targets:
        shares = {str(k): float(v) for k, v in target.shares.items()}
        pairs = []
        for key, kind, answers in values:
            groups = [profiles.get(rid, {}).get(target.dimension) or None for rid, _ in answers]
            weighted = scoring.weighted_score(
                key, _label(key), kind, [v for _, v in answers], groups, shares
            )
            pairs.append((unweighted[key], weighted))
        name = target.target_group.name
        checks.append(
            TargetCheck(
                name,
                target.dimension,
                _representativeness(target, list(profiles.values())),
                WeightedScores(name, target.dimension, shares, pairs),
            )
        )
    return checks


def respondent_count(*, survey: Survey) -> int:
    return Response.objects.filter(survey=survey).count()


def recent_quotes(*, survey: Survey, limit: int = 5) -> list[Answer]:
    return list(
        Answer.objects.filter(response__survey=survey, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .select_related("response")
        .order_by("-response__submitted_at")[:limit]
    )


def surveys_by_status(*, viewer: Principal) -> dict[str, int]:
    return dict(_visible(viewer).values_list("status").annotate(n=Count("pk")))


def latest_theme_run(*, survey: Survey):
    return survey.theme_runs.order_by("-created_at").first()


def any_feedback(*, viewer: Principal) -> bool:
    return _visible(viewer).filter(~Q(pk=None)).exists()


@dataclass(frozen=True)
class RespondentResponses:
    """How many responses stored under a respondent id each survey of the viewer's units holds
    (what an erasure would remove). Other units' surveys are neither searched nor counted."""

    surveys: list[tuple[Survey, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.surveys)


def respondent_responses(*, viewer: Principal, respondent_id: str) -> RespondentResponses:
    ids = respondents.erasure_ids(respondent_id)
    if ids is None:
        raise ValidationError({"respondent_id": gettext("Give the pseudonymous id to erase.")})
    counts = dict(
        Response.objects.filter(
            survey__unit__in=units_for(viewer=viewer, ability=Ability.MANAGE_FEEDBACK),
            respondent_id__in=ids,
        )
        .order_by()
        .values("survey_id")
        .annotate(n=Count("pk"))
        .values_list("survey_id", "n")
    )
    surveys = Survey.objects.filter(pk__in=counts).order_by("pk")
    return RespondentResponses([(survey, counts[survey.pk]) for survey in surveys])
