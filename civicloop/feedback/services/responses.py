"""Submissions: one response, its answers checked and free text redacted before storage.

Comment text is never logged: the original never reaches the database, the logs or the audit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import ANONYMOUS, SYSTEM, Ability, Principal, require
from civicloop.experiments.models import Iteration, Service
from civicloop.feedback import respondents
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import (
    Answer,
    Channel,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)
from civicloop.feedback.services._figures import survey_figures_invalidate
from civicloop.feedback.services.links import TAG_RE, tagged_links, tags_check
from civicloop.feedback.services.surveys import KEY_RE, LANGUAGES
from civicloop.text import redact, sentiment

MAX_TEXT = 2000  # characters per free-text answer
MAX_ANSWERS = 60
DUPLICATE_WINDOW = timedelta(hours=24)
RESPONDENT_ID_RE = respondents.RESPONDENT_ID_RE


@dataclass(frozen=True)
class SubmitResult:
    response: Response
    duplicate: bool


def _clean_page(page: str) -> str:
    # Only the path: query strings and fragments often carry personal data or tokens, and a
    # path segment may too (/users/ana@example.com), so it is redacted like a comment.
    path = (page or "").split("?", 1)[0].split("#", 1)[0].strip()
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return redact(path[:300]).text[:300]


def _questions_by_key(survey: Survey) -> dict[str, Question]:
    # Cached on the instance: a batch (import, demo) asks once, not once per response.
    cached = getattr(survey, "_questions_by_key", None)
    if cached is None:
        cached = {q.key: q for q in survey.questions.all()}
        survey._questions_by_key = cached  # type: ignore[attr-defined]
    return cached


def _parse_one(question: Question, raw: Any, language: str) -> dict[str, Any] | str:
    """The parsed answer to `question`, or the message saying why it is refused."""
    if question.kind == QuestionKind.SCALE:
        try:
            number = int(str(raw).strip())
        except ValueError:
            return "Give a whole number."
        # The question_scale_bounds constraint makes both bounds set on scale questions.
        low, high = cast(int, question.scale_min), cast(int, question.scale_max)
        if not low <= number <= high:
            return f"Give a number from {question.scale_min} to {question.scale_max}."
        return {"question": question, "number": number}
    if question.kind == QuestionKind.CHOICE:
        values = {c["value"] for c in question.choices}
        if str(raw) not in values:
            return f"Choose one of: {', '.join(sorted(values))}."
        return {"question": question, "choice": str(raw)}
    text = str(raw)
    if len(text) > MAX_TEXT:
        return f"At most {MAX_TEXT} characters."
    # Redact first: the original never reaches the database, the logs or the audit.
    redacted = redact(text.strip(), language)
    mood = sentiment(redacted.text, language)
    return {
        "question": question,
        "text": redacted.text,
        "counts": redacted.counts,
        "sentiment": mood,
    }


def _parse_answers(survey: Survey, answers: dict[str, Any], language: str) -> list[dict]:
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Send an object of question key to answer.")})
    if len(answers) > MAX_ANSWERS:
        raise ValidationError({"answers": _("At most %(count)d answers.") % {"count": MAX_ANSWERS}})
    questions = _questions_by_key(survey)
    errors: dict[str, str] = {}
    parsed: list[dict] = []
    for key, raw in answers.items():
        question = questions.get(key)
        if question is None:
            errors[f"answers.{key}"] = "This survey has no such question."
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        outcome = _parse_one(question, raw, language)
        if isinstance(outcome, str):
            errors[f"answers.{key}"] = outcome
        else:
            parsed.append(outcome)
    answered = {p["question"].key for p in parsed}
    for key, question in questions.items():
        if question.required and key not in answered and f"answers.{key}" not in errors:
            errors[f"answers.{key}"] = "Answer this question."
    if errors:
        raise ValidationError(errors)
    if not parsed:
        raise ValidationError({"answers": _("Answer at least one question.")})
    return parsed


def _fingerprint(survey: Survey, who: str, parsed: list[dict]) -> str:
    content = sorted(
        (p["question"].key, p.get("number"), p.get("choice"), p.get("text")) for p in parsed
    )
    raw = json.dumps([survey.pk, who, content], ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _respondent_id(respondent_id: str, personal: Literal["refuse", "hash"]) -> str:
    """The id to store: a personal identifier is refused or, when asked, hashed."""
    found = respondents.personal_identifier(respondent_id)
    if found is not None:
        if personal != "hash":
            raise ValidationError({"respondent_id": respondents.refusal(found)})
        respondent_id = respondents.pseudonym(found)
    if respondent_id and not RESPONDENT_ID_RE.match(respondent_id):
        raise ValidationError(
            {
                "respondent_id": _(
                    "Use a pseudonymous id of at most 128 letters, digits, '.', '_', ':' or '-'."
                )
            }
        )
    return respondent_id


def _check_profile(profile: dict[str, str]) -> None:
    for key, value in profile.items():
        if not (KEY_RE.match(str(key)) and TAG_RE.match(str(value)) and len(str(value)) <= 60):
            raise ValidationError(
                {
                    f"profile.{key}"[:60]: _(
                        "Profile entries are short codes (e.g. age_band: 65_plus)."
                    )
                }
            )


def _profile_and_counts(
    profile: dict[str, str], parsed: list[dict], channel: str
) -> tuple[dict[str, str], dict[str, int]]:
    """The stored profile (answers to profile questions included) and the redaction counts."""
    clean_profile = {str(k): str(v) for k, v in profile.items()}
    for p in parsed:
        if p["question"].profile_dimension and p.get("choice"):
            clean_profile[p["question"].profile_dimension] = p["choice"]
    clean_profile.setdefault("channel", channel)
    counts: dict[str, int] = {}
    for p in parsed:
        for kind, count in (p.get("counts") or {}).items():
            if count:
                counts[kind] = counts.get(kind, 0) + count
    return clean_profile, counts


def _response_links(
    survey: Survey, service_key: str, iteration_key: str
) -> tuple[Service | None, Iteration | None]:
    survey_linked = survey.iteration_id is not None or (
        survey.service_id is not None and not iteration_key
    )
    if survey_linked and (service_key, iteration_key) == (survey.service_key, survey.iteration_key):
        return survey.service, survey.iteration
    return tagged_links(survey.unit_id, service_key, iteration_key)


def _store(response: Response, parsed: list[dict], *, service_key: str, iteration_key: str) -> None:
    """Save the response, linked to its unit's service and iteration, with its answers."""
    survey = response.survey
    response.service_key = (service_key or survey.service_key)[:100]
    response.iteration_key = (iteration_key or survey.iteration_key)[:100]
    response.service, response.iteration = _response_links(
        survey, response.service_key, response.iteration_key
    )
    response.save(force_insert=True)
    Answer.objects.bulk_create(
        [
            Answer(
                response=response,
                question=p["question"],
                number=p.get("number"),
                choice=p.get("choice", ""),
                text=p.get("text", ""),
                sentiment_score=p["sentiment"].score if "sentiment" in p else None,
                sentiment_label=p["sentiment"].label if "sentiment" in p else "",
            )
            for p in parsed
        ]
    )


def _checked_submission(
    survey: Survey,
    channel: str,
    language: str,
    respondent_id: str,
    personal_respondent_id: Literal["refuse", "hash"],
    tags: dict[str, str],
    profile: dict[str, str],
) -> tuple[str, str]:
    """Refuse what cannot be stored; the language and respondent id to store."""
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError({"survey": _("This survey is closed.")})
    if channel not in Channel.values:
        raise ValidationError(
            {"channel": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Channel.values)}}
        )
    language = language if language in survey.languages or language in LANGUAGES else "en"
    respondent_id = _respondent_id(respondent_id, personal_respondent_id)
    tags_check(**tags)
    _check_profile(profile)
    return language, respondent_id


def _duplicate_of(survey: Survey, fingerprint: str, when: datetime) -> Response | None:
    """The same answers from the same client within the duplicate window, if any."""
    return Response.objects.filter(
        survey=survey, fingerprint=fingerprint, submitted_at__gte=when - DUPLICATE_WINDOW
    ).first()


def _submitted_when(submitted_at: datetime | None) -> datetime:
    now = timezone.now()
    when = submitted_at or now
    if when > now + timedelta(minutes=5):
        raise ValidationError({"submitted_at": _("A response cannot come from the future.")})
    return when


@transaction.atomic
def response_submit(
    *,
    survey: Survey,
    answers: dict[str, Any],
    channel: str,
    language: str = "en",
    service_key: str = "",
    iteration_key: str = "",
    variant: str = "",
    page: str = "",
    respondent_id: str = "",
    profile: dict[str, str] | None = None,
    client: str = "",
    submitted_at: datetime | None = None,
    actor: Principal = ANONYMOUS,
    personal_respondent_id: Literal["refuse", "hash"] = "refuse",
) -> SubmitResult:
    """Store one response; free text is redacted before anything is written.

    Anyone may answer an open survey (public page, widget: `actor` is `ANONYMOUS`); a signed-in
    person or API key must be able to collect for the survey's unit. The same redacted answers
    from the same client within 24 hours are a duplicate: the first response is returned. A
    personal identifier as respondent id is refused, or (`"hash"`) replaced by its keyed hash.
    """
    if actor.is_authenticated:
        require(actor, Ability.COLLECT_FEEDBACK, survey)
    tags = {"service_key": service_key, "iteration_key": iteration_key, "variant": variant}
    language, respondent_id = _checked_submission(
        survey, channel, language, respondent_id, personal_respondent_id, tags, profile or {}
    )
    parsed = _parse_answers(survey, answers, language)
    when = _submitted_when(submitted_at)
    fingerprint = _fingerprint(survey, client or respondent_id, parsed)
    earlier = _duplicate_of(survey, fingerprint, when)
    if earlier is not None:
        return SubmitResult(earlier, True)
    clean_profile, counts = _profile_and_counts(profile or {}, parsed, channel)
    response = Response(
        survey=survey,
        submitted_at=when,
        channel=channel,
        language=language,
        variant=(variant or survey.variant)[:60],
        page=_clean_page(page),
        respondent_id=respondent_id,
        profile=clean_profile,
        fingerprint=fingerprint,
        redactions=counts,
    )
    _store(response, parsed, service_key=service_key, iteration_key=iteration_key)
    survey_figures_invalidate([survey.pk])
    audit_record(
        # a citizen's answer is recorded as the system's, as before: no one is named
        actor=actor if actor.is_authenticated else SYSTEM,
        action=FeedbackEvent.RESPONSE_SUBMITTED,
        obj=response,
        organization=survey.unit_id,
        metadata={"channel": channel, "answers": len(parsed), "redactions": counts},
    )
    return SubmitResult(response, False)
