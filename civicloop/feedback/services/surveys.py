"""Surveys and their questions: created from templates, translatable, opened and closed."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.item_banks import TEMPLATES, template_questions
from civicloop.feedback.models import Question, QuestionKind, Survey, SurveyStatus
from civicloop.feedback.services._figures import survey_figures_invalidate
from civicloop.feedback.services.links import tagged_links, tags_check
from civicloop.portfolio.models import Problem

LANGUAGES = ("en", "es")
KEY_RE = re.compile(r"^[a-z0-9_]{1,40}$")


def i18n_text(value: dict[str, str] | str | None, field_name: str, *, required: bool) -> dict:
    """A text per language (a plain string is English); English is required when `required`."""
    if isinstance(value, str):
        value = {"en": value}
    clean = {k: v.strip() for k, v in (value or {}).items() if k in LANGUAGES and v and v.strip()}
    if required and not clean.get("en"):
        raise ValidationError({field_name: _("Give the English text (Spanish is optional).")})
    return clean


def _check_survey(
    unit: Organization, templates: list[str], problem: Problem | None, retention_days: int
) -> None:
    unknown = [t for t in templates if t not in TEMPLATES]
    if unknown:
        raise ValidationError(
            {
                "templates": _("Unknown template '%(name)s'; choose from %(choices)s.")
                % {"name": unknown[0], "choices": ", ".join(TEMPLATES)}
            }
        )
    if problem is not None and problem.unit_id != unit.pk:
        raise ValidationError({"problem": _("The problem must belong to the same unit.")})
    if not 1 <= int(retention_days) <= 3650:
        raise ValidationError({"retention_days": _("Keep responses between 1 and 3650 days.")})


def _survey_slug(slug: str | None, english_title: str) -> str:
    base = slugify(slug or english_title)[:28] or "survey"
    if slug and not Survey.objects.filter(slug=base).exists():
        return base
    return f"{base}-{secrets.token_hex(3)}"


@transaction.atomic
def survey_create(
    *,
    actor: Principal,
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
    require(actor, Ability.MANAGE_FEEDBACK, unit)
    _check_survey(unit, templates, problem, retention_days)
    languages = [lang for lang in (languages or list(LANGUAGES)) if lang in LANGUAGES] or ["en"]
    title_map = i18n_text(title, "title", required=True)
    service_key, iteration_key = service_key.strip(), iteration_key.strip()
    variant = variant.strip()
    tags_check(service_key=service_key, iteration_key=iteration_key, variant=variant)
    service, iteration = tagged_links(unit.pk, service_key, iteration_key)
    survey = Survey.objects.create(
        unit=unit,
        agency=problem.owner_agency if problem else None,
        problem=problem,
        slug=_survey_slug(slug, title_map["en"]),
        title=title_map,
        intro=i18n_text(intro, "intro", required=False),
        consent=i18n_text(consent, "consent", required=True),
        languages=languages,
        service_key=service_key,
        iteration_key=iteration_key,
        variant=variant,
        service=service,
        iteration=iteration,
        retention_days=int(retention_days),
        templates=list(templates),
        created_by=actor.person,
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
    require(actor, Ability.MANAGE_FEEDBACK, survey)
    if status not in SurveyStatus.values:
        raise ValidationError({"status": _("Choose open or closed.")})
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


def _check_question(
    survey: Survey, key: str, kind: str, scale_min: int | None, scale_max: int | None
) -> None:
    if not KEY_RE.match(key or ""):
        raise ValidationError({"key": _("Use 1-40 lower-case letters, digits or underscores.")})
    if survey.questions.filter(key=key).exists():
        raise ValidationError(
            {"key": _("The survey already has a question '%(key)s'.") % {"key": key}}
        )
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": _("Choose scale, choice or text.")})
    if kind == QuestionKind.SCALE and (
        scale_min is None
        or scale_max is None
        or scale_max <= scale_min
        or scale_max - scale_min > 10
    ):
        raise ValidationError(
            {"scale_max": _("A scale needs a minimum below its maximum (at most 11 points).")}
        )


def _clean_choices(choices: list[dict[str, str]]) -> list[dict[str, str]]:
    clean_choices = []
    for choice in choices:
        value = slugify(choice.get("value") or choice.get("en") or "").replace("-", "_")[:100]
        if value:
            texts = {k: v for k, v in choice.items() if k in LANGUAGES}
            clean_choices.append({"value": value, **i18n_text(texts, "choices", required=False)})
    if len(clean_choices) < 2:
        raise ValidationError({"choices": _("A choice question needs at least two options.")})
    return clean_choices


@transaction.atomic
def question_add(
    *,
    actor: Principal,
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
    require(actor, Ability.MANAGE_FEEDBACK, survey)
    _check_question(survey, key, kind, scale_min, scale_max)
    clean_choices = _clean_choices(choices or []) if kind == QuestionKind.CHOICE else []
    position = (
        survey.questions.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    question = Question.objects.create(
        survey=survey,
        position=position,
        key=key,
        kind=kind,
        text=i18n_text(text, "text", required=True),
        scale_min=scale_min if kind == QuestionKind.SCALE else None,
        scale_max=scale_max if kind == QuestionKind.SCALE else None,
        choices=clean_choices,
        required=required,
        profile_dimension=profile_dimension.strip(),
    )
    survey_figures_invalidate([survey.pk])
    audit_record(
        actor=actor,
        action=FeedbackEvent.QUESTION_ADDED,
        obj=question,
        organization=survey.unit_id,
        after={"key": key, "kind": kind},
    )
    return question
