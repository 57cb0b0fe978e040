"""Themes: a run groups bilingual comments; people's edits win over later runs."""

from __future__ import annotations

import pytest

from civicloop.feedback import selectors, services, theming
from civicloop.feedback.models import Answer, Theme

WAIT = [
    "The appointment took three weeks to arrive",
    "I waited weeks for an appointment",
    "La cita tardó tres semanas en llegar",
    "Esperé semanas para conseguir una cita",
    "Too long a wait to get an appointment",
    "Demasiada espera para obtener una cita",
]
WEB = [
    "The website crashed when I uploaded the document",
    "The online form gave an error",
    "La web se colgó al subir el documento",
    "El formulario en línea dio un error",
    "Uploading documents on the website failed",
    "No pude subir documentos en la web",
]
STAFF = [
    "The staff at the counter were very kind",
    "Friendly and helpful staff",
    "El personal de la ventanilla fue muy amable",
    "Personal simpático y servicial",
    "The employee who helped me was lovely",
    "La empleada que me atendió fue encantadora",
]


def _submit(survey, texts, *, variant="A"):
    for i, text in enumerate(texts):
        language = (
            "es"
            if any(w in text for w in ("La ", "El ", "Esperé", "Demasiada", "No pude", "Personal"))
            else "en"
        )
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 1 + i % 5, "comment": text},
            channel="api",
            language=language,
            variant=variant,
            client=f"{variant}{i}{text[:5]}",
        )


def _theme_of(text: str) -> Theme:
    theme = Answer.objects.select_related("theme").get(text=text).theme
    assert theme is not None, f"{text!r} has no theme"
    return theme


@pytest.mark.django_db
def test_run_groups_comments_across_languages(world, survey):
    _submit(survey, WAIT + WEB + STAFF)
    run = theming.themes_refresh(survey=survey)
    assert run.status == "done"
    assert run.comments == 18
    # English and Spanish comments about the same thing share a theme.
    assert _theme_of(WAIT[0]) == _theme_of(WAIT[2])
    assert _theme_of(WEB[1]) == _theme_of(WEB[3])
    assert _theme_of(WAIT[0]) != _theme_of(WEB[0])
    assert sum(t.size for t in Theme.objects.filter(survey=survey)) == 18


@pytest.mark.django_db
def test_human_edits_survive_a_rerun(world, survey):
    staff = world.principal("staff")
    _submit(survey, WAIT + WEB + STAFF)
    theming.themes_refresh(survey=survey)
    wait_theme = _theme_of(WAIT[0])
    renamed = theming.theme_edit(
        actor=staff,
        survey=survey,
        operation="rename",
        theme_key=wait_theme.key,
        label="Waiting for appointments",
    )
    web_theme = _theme_of(WEB[0])
    web_members = {a.text for a in web_theme.answers.all()}
    web_key = theming.theme_edit(
        actor=staff, survey=survey, operation="accept", theme_key=web_theme.key
    )
    # A person decides a staff comment belongs with the website theme.
    moved = Answer.objects.get(text=STAFF[0])
    theming.theme_edit(
        actor=staff, survey=survey, operation="reassign", theme_key=web_key, comment_ids=[moved.pk]
    )
    assert _theme_of(STAFF[0]).key == web_key

    _submit(
        survey,
        [
            "Another three weeks waiting for my appointment",
            "Otra vez semanas de espera para la cita",
        ],
        variant="B",
    )
    theming.themes_refresh(survey=survey)

    renamed_theme = Theme.objects.get(survey=survey, key=renamed)
    assert renamed_theme.label == "Waiting for appointments"
    assert renamed_theme.pinned
    assert {a.text for a in renamed_theme.answers.all()} >= set(WAIT)
    assert _theme_of(STAFF[0]).key == web_key
    assert web_members <= {
        a.text for a in Theme.objects.get(survey=survey, key=web_key).answers.all()
    }


@pytest.mark.django_db
def test_merge_and_split_persist(world, survey):
    staff = world.principal("staff")
    _submit(survey, WAIT + WEB + STAFF)
    theming.themes_refresh(survey=survey)
    merged = theming.theme_edit(
        actor=staff,
        survey=survey,
        operation="merge",
        theme_keys=[_theme_of(WAIT[0]).key, _theme_of(WEB[0]).key],
        label="Process problems",
    )
    assert _theme_of(WEB[0]).key == merged == _theme_of(WAIT[1]).key
    moved = [t for t in WEB if _theme_of(t).key == merged]
    web_ids = list(Answer.objects.filter(text__in=moved).values_list("pk", flat=True))
    new_key = theming.theme_edit(
        actor=staff,
        survey=survey,
        operation="split",
        theme_key=merged,
        comment_ids=web_ids,
        label="Website",
    )
    theming.themes_refresh(survey=survey)
    assert Theme.objects.get(survey=survey, key=new_key).label == "Website"
    assert {_theme_of(t).key for t in moved} == {new_key}
    # The rest of the merged theme stays together under its name (split gives it a new key).
    rest = {_theme_of(t) for t in WAIT}
    assert len(rest) == 1
    assert rest.pop().label == "Process problems"


@pytest.mark.django_db
def test_trends_and_iteration_summary(world, survey):
    _submit(survey, WAIT + WEB, variant="A")
    _submit(survey, STAFF, variant="B")
    theming.themes_refresh(survey=survey)
    trends = selectors.theme_trends(survey=survey, by="variant")
    shares_b = [r for r in trends if r["group"] == "B"]
    assert sum(r["share"] for r in shares_b) == pytest.approx(1.0)
    assert sum(r["comments"] for r in trends) == 18
    summary = selectors.feedback_summary_for(
        viewer=world.principal("staff"), iteration_key="it-1", variant="B"
    )
    assert summary.n == 6
    assert summary.comments == 6
    assert summary.themes[0].size >= 4
    govuk = next(s for s in summary.scores if s.key == "govuk")
    assert govuk.n == 6
    # i % 5 + 1 for i = 0..5 -> 1,2,3,4,5,1: two of six satisfied
    assert govuk.value == pytest.approx(100 * 2 / 6)


@pytest.mark.django_db
def test_theme_edits_need_manage_ability(world, survey):
    from django.http import Http404

    _submit(survey, WAIT[:3] + WEB[:3])
    theming.themes_refresh(survey=survey)
    first = Theme.objects.filter(survey=survey).first()
    assert first is not None
    key = first.key
    for role in ("auditor", "evaluator", "outsider", "official"):
        with pytest.raises(Http404):
            theming.theme_edit(
                actor=world.principal(role), survey=survey, operation="accept", theme_key=key
            )


@pytest.mark.django_db
def test_summary_reads_an_experiments_iteration_by_foreign_key(world, survey):
    from civicloop.experiments.tests import factories as xf

    staff = world.principal("staff")
    service = xf.service(staff, world.unit, world.agency, name="Trading licence renewal")
    xf.iteration(staff, service)
    second = xf.iteration(staff, service)
    result = services.response_submit(
        survey=survey,
        answers={"satisfaction": 5},
        channel="api",
        service_key="trading-licence-renewal",
        iteration_key="trading-licence-renewal-2",
        variant="sms",
    )
    assert (result.response.service, result.response.iteration) == (service, second)
    summary = selectors.iteration_feedback(viewer=staff, iteration=second, variant="sms")
    assert summary.iteration_key == "trading-licence-renewal-2"
    assert summary.n == 1
    assert summary.scores[0].value == 100.0
