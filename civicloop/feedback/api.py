"""Feedback API: submissions from apps and kiosks, surveys, scores and themes."""

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from typing_extensions import TypedDict

from civicloop.core.http import InputSchema, Pagination, principal, require_write
from civicloop.core.permissions import Ability
from civicloop.feedback import abuse, selectors, services
from civicloop.feedback.streams import streamed_download

router = Router(tags=["feedback"])

MAX_BODY_BYTES = 32 * 1024
API_RATE_LIMIT = 600  # submissions per API key per window


class FeedbackIn(InputSchema):
    survey_id: int
    answers: dict[str, int | str | None] = Field(
        ...,
        description="Question key to answer: a number for scales, the choice value, or "
        "free text (at most 2000 characters; redacted before storage).",
    )
    channel: Literal["api", "widget", "phone", "in_person"] = "api"
    language: Literal["en", "es"] = "en"
    service_key: str = Field("", max_length=100)
    iteration_key: str = Field("", max_length=100)
    variant: str = Field("", max_length=60)
    page: str = Field("", max_length=500)
    respondent_id: str = Field(
        "", max_length=128, description="Pseudonymous unit id; never an e-mail or name."
    )
    profile: dict[str, str] = Field(default_factory=dict)
    submitted_at: datetime | None = None


class FeedbackOut(Schema):
    id: int
    survey_id: int
    duplicate: bool
    redactions: dict[str, int]


class SurveyQuestionOut(TypedDict):
    """One question. A TypedDict, not a Schema: pydantic models reserve the name `construct`."""

    key: str
    kind: Annotated[str, Field(description="`scale`, `choice` or `text`.")]
    text: Annotated[dict[str, str], Field(description="The question by language code.")]
    construct: Annotated[str, Field(description="What a scale measures (`govuk`, `nps`, …).")]
    scale_min: int | None
    scale_max: int | None
    choices: Annotated[
        list[dict[str, str]],
        Field(description="For choice questions: `value` and its text by language code."),
    ]
    required: bool


class SurveyOut(Schema):
    id: int
    slug: str
    title: dict[str, str]
    languages: list[str]
    status: str
    service_key: str
    iteration_key: str
    variant: str
    retention_days: int
    problem_id: int | None
    questions: list[SurveyQuestionOut]

    @staticmethod
    def resolve_questions(obj: Any) -> list[SurveyQuestionOut]:
        return [
            SurveyQuestionOut(
                key=q.key,
                kind=q.kind,
                text=q.text,
                construct=q.construct,
                scale_min=q.scale_min,
                scale_max=q.scale_max,
                choices=q.choices,
                required=q.required,
            )
            for q in obj.questions.all()
        ]


class ScoreOut(Schema):
    key: str
    label: str
    kind: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    mean: float | None


class CategoryOut(Schema):
    category: str
    observed: int
    observed_share: float
    expected_share: float = Field(
        ..., description="The category's share of the target group (rescaled to add up to 1)."
    )
    residual: float | None = Field(
        ..., description="Adjusted residual; below -1.96 flags the category under-represented."
    )
    weight: float | None = Field(
        ...,
        description="Post-stratification weight: target share / respondent share; null when "
        "nobody in the category answered (it is left out and the other shares rescaled).",
    )


class RepresentativenessOut(Schema):
    dimension: str
    n: int = Field(..., description="Respondents who gave a category of the target's.")
    chi2: float | None
    p_value: float | None
    under_represented: list[str]
    categories: list[CategoryOut]


class WeightedScoreOut(Schema):
    key: str
    label: str
    kind: str = Field(..., description="`share` (percent), `nps` or `mean`, as unweighted.")
    value: float | None = Field(
        ...,
        description="Post-stratified value, on the unweighted score's scale; null when no "
        "respondent who answered could be weighted.",
    )
    ci_low: float | None = Field(..., description="95% interval on Kish's n_eff.")
    ci_high: float | None
    n: int = Field(..., description="Respondents weighted.")
    n_eff: float | None = Field(
        ..., description="Kish's effective sample size, (sum of weights)² / sum of squares."
    )
    left_out: int = Field(
        ..., description="Respondents who answered but gave no category (or one outside it)."
    )
    empty_groups: list[str] = Field(
        ..., description="Target categories with no respondent for this score, left out."
    )
    covered_share: float = Field(
        ..., description="Target share of the categories that remain (1 when none is empty)."
    )
    unweighted: ScoreOut = Field(
        ..., description="The same score over every response, as in `groups.all`."
    )


class TargetWeightedOut(Schema):
    target_group: str
    dimension: str = Field(..., description="Profile question the target's shares are by.")
    shares: dict[str, float] = Field(
        ...,
        description="The target group's known make-up, as shares adding up to 1.",
    )
    empty_groups: list[str] = Field(
        ..., description="Categories left out of at least one weighted score."
    )
    left_out: int = Field(..., description="The most responses any one score could not weight.")
    representativeness: RepresentativenessOut
    scores: list[WeightedScoreOut]


class ScoresOut(Schema):
    survey_id: int
    by: str | None
    groups: dict[str, list[ScoreOut]]
    weighted: list[TargetWeightedOut] = Field(
        ...,
        description="Every score post-stratified to each target group of the survey's problem "
        "(one entry per group and dimension), over all responses whatever `by` is; empty when "
        "the survey has no problem or its problem's target groups have no known make-up.",
    )


class ThemeOut(Schema):
    key: str
    label: str
    size: int
    keywords: list[str]
    quotes: list[str]
    pinned: bool


class ThemeTrendOut(Schema):
    theme: str = Field(..., description="The theme's label, or `(no theme)`.")
    group: str = Field(..., description="The iteration, variant or month (`YYYY-MM`).")
    comments: int
    share: float = Field(..., description="Of the group's comments, from 0 to 1.")


class ThemesOut(Schema):
    survey_id: int
    comments: int
    themes: list[ThemeOut]
    trends: list[ThemeTrendOut]


@router.post(
    "/feedback",
    response={201: FeedbackOut, 200: FeedbackOut},
    summary="Submit one response (apps and kiosks)",
)
def submit_feedback(request: HttpRequest, payload: FeedbackIn) -> Status:
    """Needs a write API key of the survey's unit. A repeat of the same answers from the same
    key within 24 hours answers 200 with `duplicate: true` and stores nothing new."""
    if len(request.body) > MAX_BODY_BYTES:
        raise HttpError(
            413, _("body: the request is larger than %(count)d bytes.") % {"count": MAX_BODY_BYTES}
        )
    actor = require_write(request)
    survey = selectors.survey_for_collection(viewer=actor, pk=payload.survey_id)
    if survey is None:
        raise ValidationError(
            {"survey_id": _("No open survey with this id that you can collect for.")}
        )
    client = f"key:{actor.api_key.prefix}" if actor.api_key else f"person:{actor.label}"
    if abuse.rate_limited(client=client, scope="api", limit=API_RATE_LIMIT):
        raise HttpError(429, _("Too many submissions from this client; wait a few minutes."))
    result = services.response_submit(
        survey=survey,
        answers=payload.answers,
        channel=payload.channel,
        language=payload.language,
        service_key=payload.service_key,
        iteration_key=payload.iteration_key,
        variant=payload.variant,
        page=payload.page,
        respondent_id=payload.respondent_id,
        profile=payload.profile,
        client=client,
        submitted_at=payload.submitted_at,
        actor=actor,
    )
    body = FeedbackOut(
        id=result.response.pk,
        survey_id=survey.pk,
        duplicate=result.duplicate,
        redactions=result.response.redactions,
    )
    return Status(200 if result.duplicate else 201, body)


@router.get("/surveys", response=list[SurveyOut], summary="List surveys")
@paginate(Pagination)
def list_surveys(request: HttpRequest) -> Any:
    viewer = principal(request)
    return selectors.survey_list(viewer=viewer, counts=False).prefetch_related("questions")


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: a statistic that cannot be computed is null."""
    return value if value is not None and math.isfinite(value) else None


def _target_weighted(check: selectors.TargetCheck) -> dict[str, Any]:
    r = check.representativeness
    w = check.weighted
    return {
        "target_group": check.target_group,
        "dimension": check.dimension,
        "shares": w.shares,
        "empty_groups": w.empty_groups,
        "left_out": w.left_out,
        "representativeness": {
            "dimension": r.dimension,
            "n": r.n,
            "chi2": _finite(r.chi2),
            "p_value": _finite(r.p_value),
            "under_represented": r.under_represented,
            "categories": [
                {**c, "residual": _finite(c["residual"]), "weight": _finite(c["weight"])}
                for c in r.categories
            ],
        },
        "scores": [
            {**weighted.to_dict(), "n_eff": _finite(weighted.n_eff), "unweighted": plain.to_dict()}
            for plain, weighted in w.rows
        ],
    }


@router.get(
    "/surveys/{survey_id}/scores",
    response=ScoresOut,
    summary="A survey's scores with 95% intervals, unweighted and post-stratified",
    description=(
        "GOV.UK satisfaction and CSAT (% satisfied, Wilson interval), NPS (multinomial "
        "variance), SUS (t interval) and the OMB A-11 CX drivers (% agree).\n\n"
        "`groups`: unweighted scores, under `all` or, with `by`, per iteration, variant, "
        "month, channel or language.\n\n"
        "`weighted`: the figures of the survey page's *Who answered, against the target group* "
        "section. For each target group of the survey's problem with a known make-up "
        "(`shares` along a profile `dimension` such as `age_band`): the representativeness "
        "check (chi-square, adjusted residuals, each category's weight) and every score "
        "post-stratified to the group, next to its unweighted value. Each respondent who "
        "answered a score is weighted by target share / respondent share of their category; "
        "the 95% intervals use Kish's effective sample size `n_eff`. A category nobody "
        "answered in is left out (`empty_groups`) and the others' shares rescaled "
        "(`covered_share`); responses without a category are not weighted (`left_out`). "
        "The weighted figures cover all responses whatever `by` is, and the list is empty "
        "when the survey is not linked to a problem or its target groups have no make-up.\n\n"
        "Readers of the survey only (read-only keys included); anyone else gets 404. An "
        "unknown `by` answers 422 naming `by`."
    ),
)
def get_survey_scores(
    request: HttpRequest,
    survey_id: int,
    by: Literal["iteration", "variant", "month", "channel", "language"] | None = None,
) -> ScoresOut:
    survey = selectors.survey_get(viewer=principal(request), pk=survey_id)
    groups = selectors.survey_scores(survey=survey, by=by)
    return ScoresOut.model_validate(
        {
            "survey_id": survey.pk,
            "by": by,
            "groups": {g: [s.to_dict() for s in scores] for g, scores in groups.items()},
            "weighted": [
                _target_weighted(check) for check in selectors.survey_target_checks(survey=survey)
            ],
        }
    )


@router.get("/surveys/{survey_id}/themes", response=ThemesOut, summary="A survey's themes")
def get_survey_themes(
    request: HttpRequest,
    survey_id: int,
    trend_by: Literal["iteration", "variant", "month"] = "iteration",
) -> ThemesOut:
    survey = selectors.survey_get(viewer=principal(request), pk=survey_id)
    themes = selectors.survey_themes(survey=survey)
    return ThemesOut(
        survey_id=survey.pk,
        comments=sum(t.size for t in themes),
        themes=[ThemeOut.from_orm(t) for t in themes],
        trends=[ThemeTrendOut(**row) for row in selectors.theme_trends(survey=survey, by=trend_by)],
    )


class MakeupIn(InputSchema):
    dimension: str = Field(
        ..., max_length=40, description="The profile dimension, e.g. `age_band`."
    )
    shares: dict[str, float] = Field(
        ...,
        description="Share of the target group per category code, each from 0 to 1, adding "
        'up to 1 (±0.005), e.g. `{"under_25": 0.08, "25_44": 0.32, ...}`.',
    )
    source: str = Field(..., max_length=300, description="Where the figures come from.")
    as_of: date = Field(..., description="The date the figures describe.")


class MakeupOut(Schema):
    target_group_id: int
    dimension: str
    shares: dict[str, float]
    source: str
    as_of: date | None


@router.get(
    "/feedback/target-groups/{target_group_id}/make-up",
    response=list[MakeupOut],
    summary="A target group's known make-up",
    description="Every dimension of the group's make-up. Readers of the group's unit's "
    "feedback only; anyone else gets 404.",
)
def list_target_group_makeup(request: HttpRequest, target_group_id: int) -> Any:
    group = selectors.makeup_target_group_get(
        viewer=principal(request), pk=target_group_id, ability=Ability.VIEW_FEEDBACK
    )
    return [
        MakeupOut(
            target_group_id=group.pk,
            dimension=p.dimension,
            shares=p.shares,
            source=p.source,
            as_of=p.as_of,
        )
        for p in group.feedback_profiles.order_by("dimension")
    ]


@router.put(
    "/feedback/target-groups/{target_group_id}/make-up",
    response=MakeupOut,
    summary="Set one dimension of a target group's known make-up",
    description="Surveys of the group's problems check who answered against it and weight "
    "their scores to it. Setting a dimension the group already has replaces it. Shares that "
    "do not add up to 1 answer 422 naming `shares`; a missing source or date names `source` "
    "or `as_of`. Needs a write key or session of a unit that manages feedback; anyone else "
    "gets 404.",
)
def set_target_group_makeup(
    request: HttpRequest, target_group_id: int, payload: MakeupIn
) -> MakeupOut:
    actor = require_write(request)
    group = selectors.makeup_target_group_get(viewer=actor, pk=target_group_id)
    target = services.profile_target_set(
        actor=actor,
        target_group=group,
        dimension=payload.dimension,
        shares=payload.shares,
        source=payload.source,
        as_of=payload.as_of,
    )
    return MakeupOut(
        target_group_id=group.pk,
        dimension=target.dimension,
        shares=target.shares,
        source=target.source,
        as_of=target.as_of,
    )


@router.get(
    "/feedback/responses/export",
    response={200: None},
    summary="Export redacted responses (CSV or JSON, streamed)",
    description="One row per answer with the fields "
    + ", ".join(f"`{f}`" for f in services.EXPORT_FIELDS)
    + ". Comments are exported as stored, after redaction; respondent ids and page "
    "addresses are left out. Filters: `survey_id` (else every survey the caller may read), "
    "`start` and `end` (dates of submission, both included), `channel`. The body is "
    "streamed: `text/csv` or a JSON array of objects. Each export is audited. A survey the "
    "caller may not read answers 404; an end before the start answers 422 naming `end`.",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The rows, streamed.",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                },
            }
        }
    },
)
def export_responses(
    request: HttpRequest,
    survey_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    channel: Literal["hosted", "widget", "api", "phone", "in_person"] | None = None,
    format: Literal["csv", "json"] = "csv",
) -> Any:
    viewer = principal(request)
    if survey_id is not None:
        surveys = [selectors.survey_get(viewer=viewer, pk=survey_id)]
    else:
        surveys = list(selectors.survey_list(viewer=viewer))
    filters = services.ExportFilter(surveys, start, end, channel or "")
    rows = services.responses_export(actor=viewer, filters=filters, fmt=format)
    return streamed_download(f"feedback-responses.{format}", format, services.EXPORT_FIELDS, rows)
