"""Codes on evidence pages are shown as words in the reader's language, reasons included."""

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from civicloop.evidence import labels, services
from civicloop.evidence.inputs import effect_line_from_estimate
from civicloop.evidence.models import Design, EffectEstimate
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as exp
from civicloop.feedback import services as feedback_services
from civicloop.portfolio.tests.factories import ProblemFactory
from civicloop.stats.evidence import grade_evidence, planning_grade

# Every branch of the grader, so every reason code it can emit is met at least once.
GRADINGS: list[dict[str, Any]] = [
    {"design": "rct", "srm_p_value": 1e-5, "balance_smd": 0.4, "attrition": 0.3},
    {"design": "rct", "srm_p_value": 0.4, "balance_smd": 0.02, "attrition": 0.01},
    {"design": "rct", "independent_replications": 2, "replication_system": True},
    {"design": "rdd"},
    {"design": "iv"},
    {"design": "did", "pretrend_p_value": 0.01},
    {"design": "did", "pretrend_p_value": 0.6},
    {"design": "staggered_did"},
    {"design": "synthetic_control", "comparison_group_justified": False},
    {"design": "its"},
    {"design": "before_after"},
    {"design": "correlation"},
]


def test_every_reason_code_the_grader_emits_has_a_sentence():
    codes = {r.code for kw in GRADINGS for r in grade_evidence(**kw).reason_codes}
    codes |= {r.code for r in planning_grade().reason_codes}
    assert codes == set(labels.REASONS)


@pytest.mark.parametrize("kwargs", GRADINGS)
def test_reasons_are_worded_by_gettext_not_by_the_stats_engine(monkeypatch, kwargs):
    # Stand-in catalogue: a gettext that marks what it translated. Every sentence on the page
    # must come from it, with the numbers put in after translation, in the language's format.
    monkeypatch.setattr(labels, "_", lambda s: "ES:" + s)
    monkeypatch.setattr(labels, "ngettext", lambda s, p, n: "ES:" + (s if n == 1 else p))
    line = effect_line_from_estimate(
        EffectEstimate(outcome="x", unit="pp", estimate=1, std_error=0.5, source="s", **kwargs)
    )
    with translation.override("es"):
        texts = labels.reason_texts(line)
    assert len(texts) == len(line.reasons)
    assert all(t.startswith("ES:") for t in texts)
    assert not set(texts) & set(line.reasons)  # no English sentence from civicloop.stats


def test_numbers_in_reasons_follow_the_language():
    line = effect_line_from_estimate(
        EffectEstimate(
            outcome="x",
            unit="pp",
            estimate=1,
            std_error=0.5,
            source="s",
            design="did",
            pretrend_p_value=0.412,
            independent_replications=1,
        )
    )
    with translation.override("es"):
        spanish = labels.reason_texts(line)
    with translation.override("en"):
        english = labels.reason_texts(line)
    assert any("p = 0,41)" in t for t in spanish)
    assert any("p = 0.41)" in t for t in english)
    assert any("1 independent replication confirms" in t for t in english)  # singular form


def test_design_labels_are_translated_and_unknown_codes_stay_visible():
    with translation.override("es"):
        assert labels.design_label("rct") == str(dict(Design.choices)["rct"])
        assert labels.design_label("rct") == "Ensayo controlado aleatorizado"
    assert labels.design_label("rct") == "Randomised controlled trial"
    assert labels.design_label("unheard_of") == "unheard_of"
    assert labels.source_label("entered by hand") == "entered by hand"


@pytest.mark.django_db
def test_spanish_report_page_shows_no_design_code_and_no_english_reason(
    world, evidenced, monkeypatch
):
    monkeypatch.setattr(labels, "_", lambda s: "ES:" + s)
    client = world.client("staff")
    html = client.get(
        f"/evidence/problems/{evidenced.pk}/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert 'lang="es"' in html
    assert "units were randomly assigned" not in html  # the stats engine's English
    assert "ES:Units were randomly assigned" in html
    assert "ES:Arm sizes match the designed split (SRM p = 0,41)." in html
    assert ">rct<" not in html
    assert "Ensayo controlado aleatorizado" in html
    summary = client.get(f"/evidence/problems/{evidenced.pk}/summary/?lang=es").content.decode()
    assert "(rct)" not in summary and "(Ensayo controlado aleatorizado)" in summary
    english = client.get(f"/evidence/problems/{evidenced.pk}/summary/?lang=en").content.decode()
    assert "(Randomised controlled trial)" in english


@pytest.mark.django_db
def test_report_json_keeps_the_english_reasons_and_adds_their_codes(world, evidenced):
    data = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/?format=json").json()
    primary = data["primary_effect"]
    assert primary["design"] == "rct"
    assert primary["reasons"][0].startswith("units were randomly assigned")
    assert [c["code"] for c in primary["reason_codes"]][:2] == ["rct_randomised", "rct_srm_ok"]
    assert primary["reason_codes"][1]["params"] == {"p_value": 0.41}


def test_sources_the_adapters_write_are_worded_in_the_readers_language():
    with translation.override("es"):
        assert (
            labels.source_text("experiment pa-calls, results of 2026-03-05")
            == "Experimento pa-calls, resultados del 5 Mar 2026"
        )
        assert labels.source_text("feedback survey rem-1") == "Encuesta de opinión ciudadana rem-1"
        # Figures completed by hand keep the analyst's words beside the translated part.
        assert (
            labels.source_text("experiments: service record; Finance")
            == "Ficha del servicio en el módulo de experimentos; Finance"
        )
        assert labels.source_text("Trial") == "Trial"  # typed in: content, shown as typed
        # Not a real date: the date is shown as written, never an error.
        assert labels.source_text("experiment x, results of 2026-13-45") == (
            "Experimento x, resultados del 2026-13-45"
        )
    assert (
        labels.source_text("experiment pa-calls, results of 2026-03-05")
        == "Experiment pa-calls, results of 5 Mar 2026"
    )


@pytest.mark.django_db
def test_spanish_report_page_shows_sources_as_spanish_sentences(world):
    staff = world.principal("staff")
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    svc = exp.service(staff, world.unit, world.agency, name="Licence renewals", problems=[problem])
    renewed = exp.metric(staff, world.unit, key="renewed", name="Renewed on time")
    experiment = exp.ab_experiment(staff, exp.iteration(staff, svc), [(renewed, "primary", None)])
    snapshot = ResultSnapshot.objects.create(
        experiment=experiment,
        computed_at=timezone.now(),
        ok=True,
        payload={
            "srm": {"p_value": 0.52},
            "metrics": {
                "renewed": {
                    "name": "Renewed on time",
                    "role": "primary",
                    "higher_is_better": True,
                    "variants": [
                        {"variant": "sms", "estimate": 0.084, "ci_low": 0.062, "ci_high": 0.106}
                    ],
                }
            },
        },
    )
    services.service_figures_set(
        actor=staff,
        problem=problem,
        service_name="Licence renewals",
        annual_volume=1,
        cost_per_transaction=Decimal("1"),
        value_per_outcome_unit=Decimal("30"),
        source="Finance",
    )
    survey = feedback_services.survey_create(
        actor=staff,
        unit=world.unit,
        title={"en": "Renewals"},
        templates=["govuk"],
        consent={"en": "Anonymous."},
        problem=problem,
    )
    for i, value in enumerate([5, 4, 2]):
        feedback_services.response_submit(
            survey=survey, answers={"satisfaction": value}, channel="hosted", respondent_id=f"r{i}"
        )
    client = world.client("staff")
    url = f"/evidence/problems/{problem.pk}/"
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    with translation.override("es"):
        day = labels.datefmt(snapshot.computed_at.date())
    assert f"Experimento {experiment.key}, resultados del {day}" in spanish
    assert "Ficha del servicio en el módulo de experimentos; Finance" in spanish
    assert f"Encuesta de opinión ciudadana {survey.slug}" in spanish
    for english in ("results of", "feedback survey", "service record"):
        assert english not in spanish
    # The JSON is a contract: it keeps the stable English.
    data = client.get(url + "?format=json", HTTP_ACCEPT_LANGUAGE="es").json()
    assert data["primary_effect"]["source"].startswith(f"experiment {experiment.key}, results of")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Feedback survey {survey.slug}" in english
