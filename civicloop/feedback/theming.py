"""Themes of a survey's comments: automatic runs with `civicloop.text`, and people's edits.

People's decisions (accept, rename, merge, split, reassign) are kept as `ThemeEdits` JSON on
the survey and passed to every run, so they win over later automatic results. Between runs an
edit is applied to the stored themes at once (`_materialise`), without re-clustering.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import SYSTEM, Ability, Principal, require
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import Answer, QuestionKind, Survey, Theme, ThemeRun
from civicloop.feedback.services._figures import survey_figures_invalidate
from civicloop.text import Theme as TextTheme
from civicloop.text import ThemeEdits, ThemeResult, find_themes
from civicloop.text.vectors import backend_for

N_QUOTES = 3


def _comments(survey: Survey) -> list[Answer]:
    return list(
        Answer.objects.filter(response__survey=survey, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .select_related("response", "theme")
        .order_by("pk")
    )


def theme_run_queue(*, actor: Principal, survey: Survey) -> ThemeRun:
    """Queue a theme run as a background task (runs at once under the immediate backend)."""
    from civicloop.feedback.tasks import refresh_themes

    require(actor, Ability.MANAGE_FEEDBACK, survey.unit_id)
    run = ThemeRun.objects.create(survey=survey)
    transaction.on_commit(lambda: refresh_themes.enqueue(run.pk))
    return run


def themes_refresh(*, survey: Survey, run: ThemeRun | None = None) -> ThemeRun:
    """Group the survey's (redacted) comments into themes, people's edits first."""
    run = run or ThemeRun.objects.create(survey=survey)
    run.status = "running"
    run.save(update_fields=["status", "updated_at"])
    survey.refresh_from_db(fields=["theme_edits"])  # the latest decisions, not a stale copy
    answers = _comments(survey)
    languages = [a.response.language for a in answers]
    edits = ThemeEdits.from_dict(survey.theme_edits or {})
    result = (
        find_themes(
            [a.text for a in answers], languages, edits, ids=[str(a.pk) for a in answers], seed=0
        )
        if answers
        else None
    )
    with transaction.atomic():
        _store(survey, answers, result)
        run.status = "done"
        run.comments = len(answers)
        run.themes = len(result.themes) if result else 0
        run.backend = backend_for(languages) if answers else ""
        run.save()
        audit_record(
            actor=SYSTEM,
            action=FeedbackEvent.THEMES_REFRESHED,
            obj=survey,
            organization=survey.unit_id,
            metadata={"comments": run.comments, "themes": run.themes},
        )
    return run


def _store(survey: Survey, answers: list[Answer], result: ThemeResult | None) -> None:
    survey_figures_invalidate([survey.pk])
    Answer.objects.filter(response__survey=survey).exclude(theme=None).update(theme=None)
    survey.themes.all().delete()
    if result is None:
        return
    rows = {
        t.id: Theme.objects.create(
            survey=survey,
            key=t.id,
            label=t.label[:200],
            size=t.size,
            keywords=t.keywords,
            quotes=t.quotes,
            pinned=t.pinned,
            labels=t.labels,
        )
        for t in result.themes
    }
    by_theme: dict[str, list[int]] = {}
    for answer, theme_id in zip(answers, result.assignments, strict=True):
        if theme_id is not None:
            by_theme.setdefault(theme_id, []).append(answer.pk)
    for theme_id, pks in by_theme.items():
        Answer.objects.filter(pk__in=pks).update(theme=rows[theme_id])


def current_result(survey: Survey) -> ThemeResult:
    """The stored themes as the text library's `ThemeResult` (what the person is looking at)."""
    answers = _comments(survey)
    themes = [
        TextTheme(t.key, t.label, t.size, list(t.quotes), list(t.keywords), t.pinned)
        for t in survey.themes.all()
    ]
    return ThemeResult(
        themes=themes,
        assignments=[a.theme.key if a.theme else None for a in answers],
        keys=[str(a.pk) for a in answers],
    )


def _materialise(survey: Survey, edits: ThemeEdits) -> None:
    """Apply pinned themes and reassignments to the stored themes, without re-clustering."""
    survey_figures_invalidate([survey.pk])
    existing = {t.key: t for t in survey.themes.all()}
    for pinned in edits.pinned.values():
        theme = existing.get(pinned.id)
        if theme is None:
            theme = Theme.objects.create(
                survey=survey,
                key=pinned.id,
                label=(pinned.label or "Untitled theme")[:200],
                pinned=True,
            )
            existing[pinned.id] = theme
        else:
            theme.pinned = True
            if pinned.label:
                theme.label = pinned.label[:200]
            theme.save()
        members = [int(k) for k in pinned.members if k.isdigit()]
        Answer.objects.filter(response__survey=survey, pk__in=members).update(theme=theme)
    for key, theme in list(existing.items()):
        texts = list(theme.answers.order_by("pk").values_list("text", flat=True))
        if not texts or (key.startswith("h") and key not in edits.pinned):
            theme.answers.update(theme=None)
            theme.delete()
            continue
        theme.size = len(texts)
        kept = [q for q in theme.quotes if q in texts]
        theme.quotes = (kept + [m for m in texts if m not in kept])[:N_QUOTES]
        theme.save(update_fields=["size", "quotes", "updated_at"])


@transaction.atomic
def theme_edit(
    *,
    actor: Principal,
    survey: Survey,
    operation: str,
    theme_key: str | None = None,
    theme_keys: Sequence[str] = (),
    label: str | None = None,
    comment_ids: Sequence[int] = (),
) -> str:
    """accept | rename | merge | split | reassign; the decision persists over later runs.

    Returns the key of the theme the edit produced (h1, h2, ...). `split` moves `comment_ids`
    out of `theme_key` into a new theme called `label`; the rest stay (pinned) in the old one.
    """
    from django.core.exceptions import ValidationError

    require(actor, Ability.MANAGE_FEEDBACK, survey.unit_id)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    result = current_result(survey)
    known = {t.id for t in result.themes}
    for key in [theme_key, *theme_keys]:
        if key is not None and key not in known:
            raise ValidationError({"theme": _("No theme '%(key)s' in this survey.") % {"key": key}})
    edits = ThemeEdits.from_dict(survey.theme_edits or {})
    comment_keys = [str(c) for c in comment_ids]
    unknown_comments = set(comment_keys) - set(result.keys)
    if unknown_comments:
        raise ValidationError({"comments": _("Some comments are not in this survey.")})
    try:
        outcome = _apply_edit(edits, result, operation, theme_key, theme_keys, label, comment_keys)
    except ValueError as error:
        name, _sep, message = str(error).partition(": ")
        raise ValidationError({name if message else "operation": message or str(error)}) from None
    survey.theme_edits = edits.to_dict()
    survey.save(update_fields=["theme_edits", "updated_at"])
    _materialise(survey, edits)
    audit_record(
        actor=actor,
        action=FeedbackEvent.THEME_EDITED,
        obj=survey,
        organization=survey.unit_id,
        metadata={
            "operation": operation,
            "theme": theme_key,
            "themes": list(theme_keys),
            "result": outcome,
            "comments": len(comment_keys),
        },
    )
    return outcome


def _apply_edit(
    edits: ThemeEdits,
    result: ThemeResult,
    operation: str,
    theme_key: str | None,
    theme_keys: Sequence[str],
    label: str | None,
    comment_keys: list[str],
) -> str:
    """Record one decision in `edits`; a ValueError says "field: rule" when it cannot be."""
    if operation == "accept":
        return edits.accept(result, _need(theme_key))
    if operation == "rename":
        return edits.rename(result, _need(theme_key), label or "")
    if operation == "merge":
        return edits.merge(result, list(theme_keys), label or None)
    if operation == "split":
        members = result.members(_need(theme_key))
        moved = [k for k in members if k in set(comment_keys)]
        rest = [k for k in members if k not in set(comment_keys)]
        if not moved or not rest:
            raise ValueError("comments: choose some, but not all, comments of the theme")
        old_label = result.theme(_need(theme_key)).label
        return edits.split(result, _need(theme_key), [moved, rest], [label or None, old_label])[0]
    if operation == "reassign":
        if len(comment_keys) != 1:
            raise ValueError("comments: choose one comment to move")
        return edits.reassign(result, comment_keys[0], _need(theme_key))
    raise ValueError("operation: choose accept, rename, merge, split or reassign")


def _need(theme_key: str | None) -> str:
    if not theme_key:
        raise ValueError("theme: choose a theme")
    return theme_key
