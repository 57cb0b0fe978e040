"""Every write of the feedback app: surveys, submissions (redacted before storage), imports,
retention purge, erasure, the KPI feed and target profiles. Comment text is never logged."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from civicloop.core.audit import audit_record
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, can, principal_for_person
from civicloop.core.selectors import units_for
from civicloop.core.services import KEPT, REMOVED, ErasureLine, ErasureReport
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Iteration, Service
from civicloop.feedback import respondents
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.item_banks import TEMPLATES, template_questions
from civicloop.feedback.models import (
    Answer,
    Channel,
    ProfileTarget,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)
from civicloop.portfolio.models import Kpi, Problem, TargetGroup
from civicloop.text import redact, sentiment

LANGUAGES = ("en", "es")
MAX_TEXT = 2000  # characters per free-text answer
MAX_ANSWERS = 60
DUPLICATE_WINDOW = timedelta(hours=24)
RESPONDENT_ID_RE = respondents.RESPONDENT_ID_RE
KEY_RE = re.compile(r"^[a-z0-9_]{1,40}$")
# Tags and profile values are codes, never free text: no room for a name or an e-mail.
TAG_RE = re.compile(r"^[A-Za-z0-9_.:+-]{0,100}$")


def _require(actor: Principal | None, ability: Ability, survey_or_unit: Survey | Organization):
    if actor is None:
        return  # system work (tasks, demo) acts without a person
    if isinstance(survey_or_unit, Survey):
        allowed = can(
            actor, ability, unit_id=survey_or_unit.unit_id, agency_id=survey_or_unit.agency_id
        )
    else:
        allowed = can(actor, ability, unit_id=survey_or_unit.pk)
    if not allowed:
        raise Http404("Not found")


def _links(
    unit_id: int, service_key: str, iteration_key: str
) -> tuple[Service | None, Iteration | None]:
    """The service and iteration OF THIS UNIT that the tags name; None where none or several do.

    Only the unit's own services count: another organisation's service of the same name is
    never linked (ADR 0011). The tags themselves are kept as sent.
    """
    iteration = service = None
    if iteration_key:
        found = experiments_selectors.iterations_tagged(unit_id=unit_id, tag=iteration_key)
        if len(found) == 1:
            iteration = found[0]
            service = iteration.service
    if service_key and service is None:
        services = experiments_selectors.services_tagged(unit_id=unit_id, tag=service_key)
        if len(services) == 1:
            service = services[0]
    return service, iteration


def _i18n(value: dict[str, str] | str | None, field_name: str, *, required: bool) -> dict:
    if isinstance(value, str):
        value = {"en": value}
    clean = {k: v.strip() for k, v in (value or {}).items() if k in LANGUAGES and v and v.strip()}
    if required and not clean.get("en"):
        raise ValidationError({field_name: "Give the English text (Spanish is optional)."})
    return clean


@transaction.atomic
def survey_create(
    *,
    actor: Principal | None,
    unit: Organization,
    title: dict[str, str] | str,
    templates: list[str],
    consent: dict[str, str] | str,
    problem: Problem | None = None,
    intro: dict[str, str] | str | None = None,
    service_key: str = "",
    iteration_key: str = "",
    variant: str = "",
    retention_days: int = 365,
    slug: str | None = None,
    languages: list[str] | None = None,
) -> Survey:
    """A survey from question templates, with consent text and a retention period."""
    _require(actor, Ability.MANAGE_FEEDBACK, unit)
    unknown = [t for t in templates if t not in TEMPLATES]
    if unknown:
        raise ValidationError(
            {"templates": f"Unknown template '{unknown[0]}'; choose from {', '.join(TEMPLATES)}."}
        )
    if problem is not None and problem.unit_id != unit.pk:
        raise ValidationError({"problem": "The problem must belong to the same unit."})
    if not 1 <= int(retention_days) <= 3650:
        raise ValidationError({"retention_days": "Keep responses between 1 and 3650 days."})
    languages = [lang for lang in (languages or list(LANGUAGES)) if lang in LANGUAGES] or ["en"]
    title_map = _i18n(title, "title", required=True)
    service_key, iteration_key = service_key.strip(), iteration_key.strip()
    variant = variant.strip()
    _check_tags(service_key=service_key, iteration_key=iteration_key, variant=variant)
    service, iteration = _links(unit.pk, service_key, iteration_key)
    base = slugify(slug or title_map["en"])[:28] or "survey"
    final_slug = (
        base
        if slug and not Survey.objects.filter(slug=base).exists()
        else f"{base}-{secrets.token_hex(3)}"
    )
    survey = Survey.objects.create(
        unit=unit,
        agency=problem.owner_agency if problem else None,
        problem=problem,
        slug=final_slug,
        title=title_map,
        intro=_i18n(intro, "intro", required=False),
        consent=_i18n(consent, "consent", required=True),
        languages=languages,
        service_key=service_key.strip(),
        iteration_key=iteration_key.strip(),
        variant=variant.strip(),
        service=service,
        iteration=iteration,
        retention_days=int(retention_days),
        templates=list(templates),
        created_by=actor.person if actor else None,
    )
    for position, spec in enumerate(template_questions(list(templates)), start=1):
        Question.objects.create(survey=survey, position=position, **_question_fields(spec))
    audit_record(
        actor=actor,
        action=FeedbackEvent.SURVEY_CREATED,
        obj=survey,
        organization=unit,
        after={
            "slug": survey.slug,
            "templates": templates,
            "retention_days": survey.retention_days,
        },
    )
    return survey


@transaction.atomic
def survey_set_status(*, actor: Principal, survey: Survey, status: str) -> Survey:
    """Open or close a survey; a closed survey's page and API refuse new responses."""
    _require(actor, Ability.MANAGE_FEEDBACK, survey)
    if status not in SurveyStatus.values:
        raise ValidationError({"status": "Choose open or closed."})
    before = survey.status
    survey.status = status
    survey.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=FeedbackEvent.SURVEY_UPDATED,
        obj=survey,
        organization=survey.unit_id,
        before={"status": before},
        after={"status": status},
    )
    return survey


def _question_fields(spec: dict[str, Any]) -> dict[str, Any]:
    allowed = {
        "key",
        "kind",
        "construct",
        "text",
        "scale_min",
        "scale_max",
        "labels",
        "choices",
        "required",
        "profile_dimension",
    }
    return {k: v for k, v in spec.items() if k in allowed}


@transaction.atomic
def question_add(
    *,
    actor: Principal | None,
    survey: Survey,
    key: str,
    kind: str,
    text: dict[str, str] | str,
    scale_min: int | None = None,
    scale_max: int | None = None,
    choices: list[dict[str, str]] | None = None,
    required: bool = False,
    profile_dimension: str = "",
) -> Question:
    """A custom question (scale, choice or free text), translatable per language."""
    _require(actor, Ability.MANAGE_FEEDBACK, survey)
    if not KEY_RE.match(key or ""):
        raise ValidationError({"key": "Use 1-40 lower-case letters, digits or underscores."})
    if survey.questions.filter(key=key).exists():
        raise ValidationError({"key": f"The survey already has a question '{key}'."})
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": "Choose scale, choice or text."})
    if kind == QuestionKind.SCALE and (
        scale_min is None
        or scale_max is None
        or scale_max <= scale_min
        or scale_max - scale_min > 10
    ):
        raise ValidationError(
            {"scale_max": "A scale needs a minimum below its maximum (at most 11 points)."}
        )
    clean_choices = []
    if kind == QuestionKind.CHOICE:
        for choice in choices or []:
            value = slugify(choice.get("value") or choice.get("en") or "").replace("-", "_")[:100]
            if value:
                clean_choices.append(
                    {
                        "value": value,
                        **_i18n(
                            {k: v for k, v in choice.items() if k in LANGUAGES},
                            "choices",
                            required=False,
                        ),
                    }
                )
        if len(clean_choices) < 2:
            raise ValidationError({"choices": "A choice question needs at least two options."})
    position = (
        survey.questions.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    question = Question.objects.create(
        survey=survey,
        position=position,
        key=key,
        kind=kind,
        text=_i18n(text, "text", required=True),
        scale_min=scale_min if kind == QuestionKind.SCALE else None,
        scale_max=scale_max if kind == QuestionKind.SCALE else None,
        choices=clean_choices,
        required=required,
        profile_dimension=profile_dimension.strip(),
    )
    audit_record(
        actor=actor,
        action=FeedbackEvent.QUESTION_ADDED,
        obj=question,
        organization=survey.unit_id,
        after={"key": key, "kind": kind},
    )
    return question


# --- submissions ------------------------------------------------------------------------------


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


def _check_tags(**tags: str) -> None:
    for name, value in tags.items():
        if value and not TAG_RE.match(value):
            raise ValidationError(
                {
                    name: "Use a short code: letters, digits, '.', '_', ':', "
                    "'+' or '-' (at most 100)."
                }
            )


def _questions_by_key(survey: Survey) -> dict[str, Question]:
    # Cached on the instance: a batch (import, demo) asks once, not once per response.
    cached = getattr(survey, "_questions_by_key", None)
    if cached is None:
        cached = {q.key: q for q in survey.questions.all()}
        survey._questions_by_key = cached  # type: ignore[attr-defined]
    return cached


def _parse_answers(survey: Survey, answers: dict[str, Any], language: str) -> list[dict]:
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Send an object of question key to answer."})
    if len(answers) > MAX_ANSWERS:
        raise ValidationError({"answers": f"At most {MAX_ANSWERS} answers."})
    questions = _questions_by_key(survey)
    errors: dict[str, str] = {}
    parsed: list[dict] = []
    for key, raw in answers.items():
        question = questions.get(key)
        name = f"answers.{key}"
        if question is None:
            errors[name] = "This survey has no such question."
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if question.kind == QuestionKind.SCALE:
            try:
                number = int(str(raw).strip())
            except ValueError:
                errors[name] = "Give a whole number."
                continue
            # The question_scale_bounds constraint makes both bounds set on scale questions.
            low, high = cast(int, question.scale_min), cast(int, question.scale_max)
            if not low <= number <= high:
                errors[name] = f"Give a number from {question.scale_min} to {question.scale_max}."
                continue
            parsed.append({"question": question, "number": number})
        elif question.kind == QuestionKind.CHOICE:
            values = {c["value"] for c in question.choices}
            if str(raw) not in values:
                errors[name] = f"Choose one of: {', '.join(sorted(values))}."
                continue
            parsed.append({"question": question, "choice": str(raw)})
        else:
            text = str(raw)
            if len(text) > MAX_TEXT:
                errors[name] = f"At most {MAX_TEXT} characters."
                continue
            # Redact first: the original never reaches the database, the logs or the audit.
            redacted = redact(text.strip(), language)
            mood = sentiment(redacted.text, language)
            parsed.append(
                {
                    "question": question,
                    "text": redacted.text,
                    "counts": redacted.counts,
                    "sentiment": mood,
                }
            )
    answered = {p["question"].key for p in parsed}
    for key, question in questions.items():
        if question.required and key not in answered and f"answers.{key}" not in errors:
            errors[f"answers.{key}"] = "Answer this question."
    if errors:
        raise ValidationError(errors)
    if not parsed:
        raise ValidationError({"answers": "Answer at least one question."})
    return parsed


def _fingerprint(survey: Survey, who: str, parsed: list[dict]) -> str:
    content = sorted(
        (p["question"].key, p.get("number"), p.get("choice"), p.get("text")) for p in parsed
    )
    raw = json.dumps([survey.pk, who, content], ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


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
    actor: Principal | None = None,
    personal_respondent_id: Literal["refuse", "hash"] = "refuse",
) -> SubmitResult:
    """Store one response; free text is redacted before anything is written.

    A response whose redacted answers match one from the same client (hashed address, API key
    or respondent id) in the last 24 hours is a duplicate: the first one is returned instead.
    A respondent id that is a personal identifier (national id, phone, IBAN, e-mail) is refused,
    or, for the citizen-facing page and widget (`"hash"`), replaced by its keyed hash.
    """
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError({"survey": "This survey is closed."})
    if channel not in Channel.values:
        raise ValidationError({"channel": f"Choose one of: {', '.join(Channel.values)}."})
    language = language if language in survey.languages or language in LANGUAGES else "en"
    found = respondents.personal_identifier(respondent_id)
    if found is not None:
        if personal_respondent_id != "hash":
            raise ValidationError({"respondent_id": respondents.refusal(found)})
        respondent_id = respondents.pseudonym(found)
    if respondent_id and not RESPONDENT_ID_RE.match(respondent_id):
        raise ValidationError(
            {
                "respondent_id": "Use a pseudonymous id of at most 128 letters, "
                "digits, '.', '_', ':' or '-'."
            }
        )
    _check_tags(service_key=service_key, iteration_key=iteration_key, variant=variant)
    for key, value in (profile or {}).items():
        if not (KEY_RE.match(str(key)) and TAG_RE.match(str(value)) and len(str(value)) <= 60):
            raise ValidationError(
                {f"profile.{key}"[:60]: "Profile entries are short codes (e.g. age_band: 65_plus)."}
            )
    parsed = _parse_answers(survey, answers, language)
    now = timezone.now()
    when = submitted_at or now
    if when > now + timedelta(minutes=5):
        raise ValidationError({"submitted_at": "A response cannot come from the future."})
    fingerprint = _fingerprint(survey, client or respondent_id, parsed)
    earlier = Response.objects.filter(
        survey=survey, fingerprint=fingerprint, submitted_at__gte=when - DUPLICATE_WINDOW
    ).first()
    if earlier is not None:
        return SubmitResult(earlier, True)
    clean_profile = {str(k): str(v) for k, v in (profile or {}).items()}
    for p in parsed:
        if p["question"].profile_dimension and p.get("choice"):
            clean_profile[p["question"].profile_dimension] = p["choice"]
    clean_profile.setdefault("channel", channel)
    counts: dict[str, int] = {}
    for p in parsed:
        for kind, count in (p.get("counts") or {}).items():
            if count:
                counts[kind] = counts.get(kind, 0) + count
    service_key = (service_key or survey.service_key)[:100]
    iteration_key = (iteration_key or survey.iteration_key)[:100]
    survey_linked = survey.iteration_id is not None or (
        survey.service_id is not None and not iteration_key
    )
    if survey_linked and (service_key, iteration_key) == (survey.service_key, survey.iteration_key):
        linked_service, linked_iteration = survey.service, survey.iteration
    else:
        linked_service, linked_iteration = _links(survey.unit_id, service_key, iteration_key)
    response = Response.objects.create(
        survey=survey,
        submitted_at=when,
        channel=channel,
        language=language,
        service_key=service_key,
        iteration_key=iteration_key,
        service=linked_service,
        iteration=linked_iteration,
        variant=(variant or survey.variant)[:60],
        page=_clean_page(page),
        respondent_id=respondent_id,
        profile=clean_profile,
        fingerprint=fingerprint,
        redactions=counts,
    )
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
    audit_record(
        actor=actor,
        action=FeedbackEvent.RESPONSE_SUBMITTED,
        obj=response,
        organization=survey.unit_id,
        metadata={"channel": channel, "answers": len(parsed), "redactions": counts},
    )
    return SubmitResult(response, False)


# --- CSV import (phone and in-person) ---------------------------------------------------------


@dataclass
class ImportReport:
    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


class _Rejected(Exception):  # noqa: N818 - carries the report out of the transaction
    def __init__(self, report: ImportReport):
        super().__init__("rows rejected")
        self.report = report


IMPORT_META_COLUMNS = [
    "submitted_at",
    "channel",
    "language",
    "variant",
    "iteration_key",
    "service_key",
    "respondent_id",
]
MAX_IMPORT_ROWS = 20_000


def responses_import_csv(*, actor: Principal, survey: Survey, content: str | bytes) -> ImportReport:
    """Import phone / in-person responses: one row per response, one column per question key.

    All rows or none. `channel` is phone or in_person; free text is redacted like any other.
    """
    _require(actor, Ability.MANAGE_FEEDBACK, survey)
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ImportReport(rejected=[(0, "The file is not UTF-8 text.")])
    reader = csv.DictReader(io.StringIO(content))
    columns = reader.fieldnames or []
    keys = set(survey.questions.values_list("key", flat=True))
    unknown = [c for c in columns if c not in keys and c not in IMPORT_META_COLUMNS]
    if unknown:
        return ImportReport(rejected=[(1, f"Unknown column(s): {', '.join(unknown)}.")])
    try:
        with transaction.atomic():
            report = ImportReport()
            for line, row in enumerate(reader, start=2):
                report.rows_read += 1
                if report.rows_read > MAX_IMPORT_ROWS:
                    report.rejected.append((line, f"At most {MAX_IMPORT_ROWS} rows per file."))
                    break
                _import_row(actor, survey, line, row, keys, report)
            if report.rejected:
                raise _Rejected(report)
            audit_record(
                actor=actor,
                action=FeedbackEvent.RESPONSES_IMPORTED,
                obj=survey,
                organization=survey.unit_id,
                metadata={"rows": report.imported, "duplicates": report.duplicates},
            )
            return report
    except _Rejected as rejected:
        rejected.report.imported = 0
        return rejected.report


def _import_row(
    actor: Principal, survey: Survey, line: int, row: dict, keys: set[str], report: ImportReport
) -> None:
    channel = (row.get("channel") or "phone").strip()
    if channel not in (Channel.PHONE, Channel.IN_PERSON):
        report.rejected.append((line, "channel: use 'phone' or 'in_person'."))
        return
    when = None
    raw_when = (row.get("submitted_at") or "").strip()
    if raw_when:
        try:
            when = datetime.fromisoformat(raw_when)
        except ValueError:
            report.rejected.append((line, "submitted_at: use YYYY-MM-DD or an ISO date-time."))
            return
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
    try:
        result = response_submit(
            survey=survey,
            answers={k: v for k, v in row.items() if k in keys and v},
            channel=channel,
            language=(row.get("language") or "en").strip(),
            variant=(row.get("variant") or "").strip(),
            iteration_key=(row.get("iteration_key") or "").strip(),
            service_key=(row.get("service_key") or "").strip(),
            respondent_id=(row.get("respondent_id") or "").strip(),
            client=f"import:{line}",
            submitted_at=when,
            actor=actor,
        )
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        report.rejected.append((line, f"{name}: {messages[0]}"))
        return
    if result.duplicate:
        report.duplicates += 1
    else:
        report.imported += 1


# --- retention and erasure --------------------------------------------------------------------


@transaction.atomic
def responses_purge_expired(*, now: datetime | None = None) -> int:
    """Delete every response older than its survey's retention period; returns how many."""
    now = now or timezone.now()
    total = 0
    for survey in Survey.objects.only("pk", "unit_id", "retention_days"):
        cutoff = now - timedelta(days=survey.retention_days)
        deleted, per_model = Response.objects.filter(
            survey=survey, submitted_at__lt=cutoff
        ).delete()
        count = per_model.get("feedback.Response", 0)
        if count:
            total += count
            audit_record(
                actor=None,
                action=FeedbackEvent.RESPONSES_PURGED,
                obj=survey,
                organization=survey.unit_id,
                metadata={"responses": count, "cutoff": cutoff.isoformat()},
            )
    return total


@transaction.atomic
def responses_link_pending() -> int:
    """Link responses whose tags named no service or iteration of their unit when they arrived.

    A service's pages may send feedback before its iteration is recorded; the scheduled task
    links them once it exists (within the survey's unit only, as on arrival). Returns how many.
    """
    pending = (
        (
            Response.objects.filter(Q(iteration__isnull=True) & ~Q(iteration_key=""))
            | Response.objects.filter(Q(service__isnull=True) & ~Q(service_key=""))
        )
        .values_list("survey__unit_id", "service_key", "iteration_key")
        .distinct()
    )
    linked: dict[int, int] = {}
    surveys = Survey.objects.filter(
        (Q(iteration__isnull=True) & ~Q(iteration_key=""))
        | (Q(service__isnull=True) & ~Q(service_key=""))
    )
    for survey in surveys:
        service, iteration = _links(survey.unit_id, survey.service_key, survey.iteration_key)
        if (service, iteration) != (survey.service, survey.iteration):
            survey.service, survey.iteration = service, iteration
            survey.save(update_fields=["service", "iteration", "updated_at"])
    for unit_id, service_key, iteration_key in pending:
        if unit_id is None:  # the survey's unit is required; this keeps the type checker honest
            continue
        service, iteration = _links(unit_id, service_key, iteration_key)
        if service is None and iteration is None:
            continue
        rows = Response.objects.filter(
            survey__unit_id=unit_id, service_key=service_key, iteration_key=iteration_key
        )
        if iteration is not None:
            count = rows.filter(iteration__isnull=True).update(iteration=iteration, service=service)
        else:
            count = rows.filter(service__isnull=True).update(service=service)
        if count:
            linked[unit_id] = linked.get(unit_id, 0) + count
    for unit_id, count in linked.items():
        audit_record(
            actor=None,
            action=FeedbackEvent.RESPONSES_LINKED,
            organization=unit_id,
            metadata={"responses": count},
        )
    return sum(linked.values())


@transaction.atomic
@transaction.atomic
def respondent_erasure_run(
    *, actor: Principal, respondent_id: str, confirm_respondent_id: str
) -> ErasureReport:
    """Erase a respondent's responses in the surveys of the actor's units, after the actor typed
    the id again; returns what was removed or kept and why (counts only). Other units' surveys
    are neither searched nor counted: each unit answers for its own (ADR 0011)."""
    ids = respondents.erasure_ids(respondent_id)
    if ids is None:
        raise ValidationError({"respondent_id": gettext("Give the pseudonymous id to erase.")})
    confirmed = respondents.erasure_ids(confirm_respondent_id)
    # The last id is the one stored: a personal identifier matches in any spelling.
    if confirmed is None or confirmed[-1] != ids[-1]:
        raise ValidationError(
            {
                "confirm_respondent_id": gettext(
                    "Type the respondent id exactly as above to confirm the erasure."
                )
            }
        )
    units = list(units_for(viewer=actor, ability=Ability.MANAGE_FEEDBACK).order_by("pk"))
    if not units:
        raise Http404("Not found")
    totals: dict[tuple[str, str, str], int] = {}
    for unit in units:
        for line in _respondent_erase_in(actor=actor, unit=unit, ids=ids).lines:
            key = (line.what, line.outcome, line.why)
            totals[key] = totals.get(key, 0) + line.count
    report = ErasureReport()
    for (what, outcome, why), count in totals.items():
        report.add(what, count, outcome, why)
    return report


def _respondent_erase_in(*, actor: Principal, unit: Organization, ids: list[str]) -> ErasureReport:
    """Delete the unit's responses stored under `ids` (answers go with them) and audit it."""
    from civicloop.portfolio.models import Measurement

    rows = Response.objects.filter(survey__unit=unit, respondent_id__in=ids)
    surveys = list(Survey.objects.filter(pk__in=rows.values("survey_id")).order_by("pk"))
    _, per_model = rows.delete()
    report = ErasureReport()
    report.lines.append(
        ErasureLine(
            gettext_noop("survey responses under the respondent id, with their answers"),
            per_model.get("feedback.Response", 0),
            REMOVED,
            gettext_noop("the respondent asked for their responses to be erased"),
        )
    )
    report.add(
        gettext_noop("surveys that held these responses"),
        len(surveys),
        KEPT,
        gettext_noop("the survey and the other responses stay; scores no longer count these"),
    )
    sources = [f"Feedback survey {s.slug}"[:300] for s in surveys if s.feeds_kpi_id]
    report.add(
        gettext_noop("KPI measurements already fed from these surveys"),
        Measurement.objects.filter(source__in=sources).count() if sources else 0,
        KEPT,
        gettext_noop("aggregates that name no one; later measurements leave the responses out"),
    )
    # The id itself is not recorded: only that an erasure happened and how much it removed.
    audit_record(
        actor=actor,
        action=FeedbackEvent.RESPONDENT_ERASED,
        organization=unit,
        metadata={
            "responses": report.lines[0].count,
            "surveys": len(surveys),
            "report": report.audit_lines(),
        },
    )
    return report


# --- the portfolio KPI "user satisfaction" ----------------------------------------------------


@transaction.atomic
def kpi_feed_set(*, actor: Principal, survey: Survey, kpi: Kpi | None) -> Survey:
    """Feed a 'user satisfaction' KPI from this survey's GOV.UK (or CSAT) question."""
    _require(actor, Ability.MANAGE_FEEDBACK, survey)
    if kpi is not None:
        if kpi.template_key != "user_satisfaction":
            raise ValidationError(
                {
                    "kpi": "Only a KPI made from the 'user_satisfaction' template "
                    "can be fed from a survey."
                }
            )
        if kpi.problem.unit_id != survey.unit_id:
            raise ValidationError({"kpi": "The KPI must belong to the survey's unit."})
        if not can(
            actor,
            Ability.RECORD_MEASUREMENT,
            unit_id=kpi.problem.unit_id,
            agency_id=kpi.problem.owner_agency_id,
        ):
            raise ValidationError({"kpi": "You cannot record measurements for this KPI."})
        if not survey.questions.filter(construct__in=["govuk", "csat"]).exists():
            raise ValidationError(
                {
                    "kpi": "The survey needs a GOV.UK satisfaction or CSAT "
                    "question to feed user satisfaction."
                }
            )
    survey.feeds_kpi = kpi
    survey.feed_owner = actor.person if kpi is not None else None
    survey.save(update_fields=["feeds_kpi", "feed_owner", "updated_at"])
    audit_record(
        actor=actor,
        action=FeedbackEvent.KPI_FEED_SET,
        obj=survey,
        organization=survey.unit_id,
        after={"kpi_id": kpi.pk if kpi else None},
    )
    return survey


FEED_WINDOW_DAYS = 30


def kpi_feed_record(*, survey: Survey, on: date | None = None):
    """Record today's 'user satisfaction' (share satisfied, last 30 days) on the fed KPI.

    Acts as the person who set the feed up, through the portfolio's `measurement_record`, so
    their permissions and the portfolio's rules apply. Returns the Measurement or None.
    """
    from civicloop.feedback.selectors import satisfaction_share
    from civicloop.portfolio.services import measurement_record

    if survey.feeds_kpi_id is None or survey.feed_owner is None:
        return None
    on = on or timezone.localdate()
    start = timezone.make_aware(
        datetime.combine(on - timedelta(days=FEED_WINDOW_DAYS), datetime.min.time())
    )
    end = timezone.make_aware(datetime.combine(on + timedelta(days=1), datetime.min.time()))
    score = satisfaction_share(survey=survey, start=start, end=end)
    if score is None or score.value is None:
        return None
    actor = principal_for_person(survey.feed_owner)
    with transaction.atomic():
        measurement = measurement_record(
            actor=actor,
            kpi=cast(Kpi, survey.feeds_kpi),  # feeds_kpi_id was checked above
            date=on,
            value=f"{score.value:.2f}",
            source=f"Feedback survey {survey.slug}"[:300],
            note=(
                f"n={score.n}, 95% CI {score.ci_low:.1f}-{score.ci_high:.1f}% "
                f"(last {FEED_WINDOW_DAYS} days)"
            ),
            replace=True,
        )
        audit_record(
            actor=actor,
            action=FeedbackEvent.KPI_FED,
            obj=survey,
            organization=survey.unit_id,
            metadata={"kpi_id": survey.feeds_kpi_id, "value": round(score.value, 2), "n": score.n},
        )
    return measurement


def kpi_feeds_record_all(*, on: date | None = None) -> int:
    """Run every survey's KPI feed; returns how many measurements were recorded."""
    recorded = 0
    for survey in Survey.objects.filter(feeds_kpi__isnull=False).select_related(
        "feeds_kpi__problem", "feed_owner"
    ):
        if kpi_feed_record(survey=survey, on=on) is not None:
            recorded += 1
    return recorded


@transaction.atomic
def profile_target_set(
    *,
    actor: Principal,
    target_group: TargetGroup,
    dimension: str,
    shares: dict[str, float],
    source: str = "",
) -> ProfileTarget:
    """The known make-up of a target group along one dimension (shares are normalised)."""
    if not can(actor, Ability.MANAGE_FEEDBACK, unit_id=target_group.unit_id):
        raise Http404("Not found")
    try:
        clean = {str(k).strip(): float(v) for k, v in shares.items() if str(k).strip()}
    except (TypeError, ValueError):
        raise ValidationError({"shares": "Each share must be a number."}) from None
    total = sum(clean.values())
    if len(clean) < 2 or any(v < 0 for v in clean.values()) or total <= 0:
        raise ValidationError({"shares": "Give at least two categories with non-negative shares."})
    target, _ = ProfileTarget.objects.update_or_create(
        target_group=target_group,
        dimension=dimension.strip()[:40],
        defaults={"shares": {k: v / total for k, v in clean.items()}, "source": source[:300]},
    )
    audit_record(
        actor=actor,
        action=FeedbackEvent.PROFILE_TARGET_SET,
        obj=target,
        organization=target_group.unit_id,
        after={"dimension": target.dimension, "shares": target.shares},
    )
    return target
