"""Feedback API: submissions from apps and kiosks, surveys, scores and themes."""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from civicloop.core.http import principal, require_write
from civicloop.core.permissions import Ability, can
from civicloop.feedback import abuse, selectors, services
from civicloop.feedback.models import Survey

router = Router(tags=["feedback"])

MAX_BODY_BYTES = 32 * 1024
API_RATE_LIMIT = 600  # submissions per API key per window


class FeedbackIn(Schema):
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
    questions: list[dict[str, Any]]

    @staticmethod
    def resolve_questions(obj) -> list[dict[str, Any]]:
        return [
            {
                "key": q.key,
                "kind": q.kind,
                "text": q.text,
                "construct": q.construct,
                "scale_min": q.scale_min,
                "scale_max": q.scale_max,
                "choices": q.choices,
                "required": q.required,
            }
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


class ScoresOut(Schema):
    survey_id: int
    by: str | None
    groups: dict[str, list[ScoreOut]]


class ThemeOut(Schema):
    key: str
    label: str
    size: int
    keywords: list[str]
    quotes: list[str]
    pinned: bool


class ThemesOut(Schema):
    survey_id: int
    comments: int
    themes: list[ThemeOut]
    trends: list[dict[str, Any]]


@router.post(
    "/feedback",
    response={201: FeedbackOut, 200: FeedbackOut},
    summary="Submit one response (apps and kiosks)",
)
def submit_feedback(request: HttpRequest, payload: FeedbackIn):
    """Needs a write API key of the survey's unit. A repeat of the same answers from the same
    key within 24 hours answers 200 with `duplicate: true` and stores nothing new."""
    if len(request.body) > MAX_BODY_BYTES:
        raise HttpError(413, f"body: the request is larger than {MAX_BODY_BYTES} bytes.")
    actor = require_write(request)
    survey = Survey.objects.filter(pk=payload.survey_id).first()
    if survey is None or not can(actor, Ability.COLLECT_FEEDBACK, unit_id=survey.unit_id):
        raise ValidationError(
            {"survey_id": "No open survey with this id that you can collect for."}
        )
    client = f"key:{actor.api_key.prefix}" if actor.api_key else f"person:{actor.label}"
    if abuse.rate_limited(client=client, scope="api", limit=API_RATE_LIMIT):
        raise HttpError(429, "Too many submissions from this client; wait a few minutes.")
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
    body = {
        "id": result.response.pk,
        "survey_id": survey.pk,
        "duplicate": result.duplicate,
        "redactions": result.response.redactions,
    }
    return Status(200 if result.duplicate else 201, body)


@router.get("/surveys", response=list[SurveyOut], summary="List surveys")
@paginate(LimitOffsetPagination)
def list_surveys(request: HttpRequest):
    return selectors.survey_list(viewer=principal(request)).prefetch_related("questions")


@router.get(
    "/surveys/{survey_id}/scores",
    response=ScoresOut,
    summary="A survey's scores with 95% intervals",
)
def survey_scores(
    request: HttpRequest,
    survey_id: int,
    by: Literal["iteration", "variant", "month", "channel", "language"] | None = None,
):
    """GOV.UK satisfaction and CSAT (% satisfied, Wilson), NPS (multinomial variance), SUS
    (t interval) and the OMB A-11 CX drivers (% agree), overall or per group."""
    survey = selectors.survey_get(viewer=principal(request), pk=survey_id)
    groups = selectors.survey_scores(survey=survey, by=by)
    return {
        "survey_id": survey.pk,
        "by": by,
        "groups": {g: [s.to_dict() for s in scores] for g, scores in groups.items()},
    }


@router.get("/surveys/{survey_id}/themes", response=ThemesOut, summary="A survey's themes")
def survey_themes(
    request: HttpRequest,
    survey_id: int,
    trend_by: Literal["iteration", "variant", "month"] = "iteration",
):
    survey = selectors.survey_get(viewer=principal(request), pk=survey_id)
    themes = selectors.survey_themes(survey=survey)
    return {
        "survey_id": survey.pk,
        "comments": sum(t.size for t in themes),
        "themes": themes,
        "trends": selectors.theme_trends(survey=survey, by=trend_by),
    }
