"""Readiness reasons are shown in the reader's language; the API keeps its English sentences."""

from collections.abc import Mapping

import pytest
from django.utils import translation

from civicloop.scaling import labels, services
from civicloop.scaling.assessment import DOMAINS, readiness

# Ratings of two assessors (context disputed: 5 vs 3). Reach's mean 3.0 is below 3.5 and
# effectiveness's 3.5 is below 4.0, so the verdict is "ready with conditions".
CONDITIONAL: dict[str, tuple[int, ...]] = {
    "effectiveness": (4, 3),
    "reach": (3, 3),
    "context": (5, 3),
}


def _rows(ratings: Mapping[str, tuple[int, ...]], assessors: int = 2) -> list[tuple[str, str, int]]:
    return [
        (f"a{i}", d, score)
        for d in DOMAINS
        for i, score in enumerate(ratings.get(d, (4,) * assessors))
    ]


# One assessment per verdict, so every reason code the rule can emit is met.
CASES = [
    _rows({}, assessors=1),  # incomplete
    _rows({"workforce": (2, 2)}),  # not ready
    _rows({}),  # ready
    _rows(CONDITIONAL),  # conditional
]


def test_every_reason_code_the_rule_emits_has_a_sentence():
    codes = {r.code for rows in CASES for r in readiness(rows).reason_codes}
    assert codes == set(labels.REASONS)


def test_the_api_sentences_stay_the_english_they_always_were():
    assert readiness(_rows(CONDITIONAL)).reasons == [
        "mean below 3.5 in: reach",
        "evidence of effectiveness 3.50 < 4.0",
    ]
    assert readiness(CASES[0]).reasons == ["1 assessor(s) rated all ten domains; at least 2 needed"]
    assert readiness(CASES[1]).reasons == ["mean below 2.5 in: workforce"]
    assert readiness(CASES[2]).reasons == ["every domain mean at least 3.5; effectiveness 4.00"]


def test_reasons_are_spanish_sentences_with_spanish_numbers_and_domain_names():
    with translation.override("es"):
        texts = labels.readiness_texts(readiness(_rows(CONDITIONAL)))
        incomplete = labels.readiness_texts(readiness(CASES[0]))
    assert texts == [
        "Valoración media inferior a 3,5 en: B2 Alcance y aceptabilidad.",
        "La evidencia de eficacia (3,50) es inferior a 4,0.",
        "Las personas evaluadoras discrepan en 2 puntos o más en A3 Contexto estratégico y "
        "político: debátanlo antes de decidir.",
    ]
    assert incomplete == [
        "1 persona evaluadora ha puntuado los diez ámbitos; se necesitan al menos 2."
    ]
    with translation.override("en"):
        english = labels.readiness_texts(readiness(_rows(CONDITIONAL)))
    assert english[:2] == [
        "Mean rating below 3.5 in: B2 Reach and acceptability.",
        "Evidence of effectiveness 3.50 is below 4.0.",
    ]


@pytest.fixture
def rated(world, scaled):
    """The scaled assessment rated by staff and the evaluator: ready with conditions."""
    assessment = scaled["assessment"]
    for i, role in enumerate(["staff", "evaluator"]):
        for domain in DOMAINS:
            services.assessment_score(
                actor=world.principal(role),
                assessment=assessment,
                assessor=world.people[role],
                domain=domain,
                score=CONDITIONAL.get(domain, (4, 4))[i],
                evidence="Pilot report",
            )
    return assessment


@pytest.mark.django_db
def test_spanish_assessment_page_shows_no_english_reason(world, rated):
    client = world.client("staff")
    url = f"/scaling/assessments/{rated.pk}/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="es"' in html
    box = html.split('id="readiness"')[1].split("</div>")[0]
    assert "Valoración media inferior a 3,5 en: B2 Alcance y aceptabilidad." in box
    assert "La evidencia de eficacia (3,50) es inferior a 4,0." in box
    assert "debátanlo antes de decidir" in box
    for english in ("mean below", "evidence of effectiveness", "reach", "3.5", "Assessors"):
        assert english not in box
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mean rating below 3.5 in: B2 Reach and acceptability." in html
    assert "Evidence of effectiveness 3.50 is below 4.0." in html


@pytest.mark.django_db
def test_api_keeps_english_reasons_and_adds_their_codes(world, rated):
    client = world.client("staff")
    data = client.get(f"/api/v1/scaling/assessments/{rated.pk}", HTTP_ACCEPT_LANGUAGE="es").json()[
        "readiness"
    ]
    assert data["verdict"] == "conditional"
    assert data["reasons"] == ["mean below 3.5 in: reach", "evidence of effectiveness 3.50 < 4.0"]
    assert data["reason_codes"][0] == {
        "code": "mean_below",
        "params": {"threshold": 3.5, "domains": ["reach"]},
    }
