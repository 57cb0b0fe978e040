"""Numbers that code writes into sentences, labels and table cells read the Spanish way in Spanish.

An f-string with ``:.1f`` writes "7.0" whatever the reader's language; a Spanish reader sees
"7,0". Each text below is built by code (effects, intervals, warnings, headlines, tables, error
messages) and must hold no English decimal ("digit, point, digit") in Spanish.
"""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import translation

from civicloop.web import numbers

ENGLISH_DECIMAL = re.compile(r"\d\.\d")


def english_decimals(text: str) -> list[str]:
    return ENGLISH_DECIMAL.findall(text)


@pytest.fixture
def spanish():
    with translation.override("es"):
        yield


def test_number_helpers_write_the_spanish_decimal_comma(spanish):
    assert numbers.number(1234.5, 1) == "1\xa0234,5"
    assert numbers.signed(-3.21, 1) == "\u22123,2"
    assert numbers.significant(0.07, 3, sign=True) == "+0,07"
    assert numbers.significant(0.0031234, 3) == "0,00312"
    assert numbers.per_cent(28.74, 1) == "28,7\xa0%" or numbers.per_cent(28.74, 1) == "28,7 %"
    assert numbers.localized("-2.5") == "\u22122,5"
    assert numbers.localized("3.1e-05") == "3,1e-05"
    assert numbers.localized("breached") == "breached"
    with translation.override("en"):
        assert numbers.number(1234.5, 1) == "1,234.5"
        assert numbers.significant(-1234567.0, 3) == "\u22121,230,000"


def test_effects_and_intervals_in_peoples_terms(spanish):
    from civicloop.experiments.selectors import effects

    row = effects.EffectRow(
        metric_key="renewed",
        metric="Renewed",
        role="primary",
        variant="sms",
        unit="pp",
        n_control=1000,
        n_treatment=1000,
        control="24,4 %",
        treatment="31,4 %",
        estimate=7.0,
        ci_low=3.1,
        ci_high=10.9,
        relative=28.69,
        relative_low=11.0,
        relative_high=46.4,
        p_value=0.0001,
    )
    assert effects.effect_text(row, 1, 1).startswith("+7,0 pp (+28,7")
    assert effects.interval_text(3.1, 10.9, "pp", 1) == "de +3,1 a +10,9 pp"
    size = effects.effect_size_text(kind="proportion", label="", absolute=0.042, relative=0.16)
    assert not english_decimals(size), size
    assert effects.p_text(0.0123) == "0,0123"


def test_stored_warnings_are_said_with_spanish_numbers(spanish):
    from civicloop.experiments.warning_text import warning_text

    srm = warning_text(
        "Sample ratio mismatch (p = 0.0031): the variants did not get the planned shares of "
        "traffic; check assignment and logging before trusting any result."
    )
    assert "0,0031" in srm and not english_decimals(srm)
    breached = warning_text(
        "Guardrail breached: Helpline calls is worse in sms by 0.06, beyond the margin of 0.05."
    )
    assert "0,06" in breached and "0,05" in breached and not english_decimals(breached)


def test_a_results_headline_on_the_timeline_is_in_spanish(spanish):
    from civicloop.experiments.selectors.results import snapshot_headline_text

    randomised = SimpleNamespace(
        ok=True,
        error="",
        payload={
            "design": "randomised",
            "metrics": {
                "renewed": {
                    "name": "Renewed",
                    "role": "primary",
                    "variants": [
                        {
                            "variant": "sms",
                            "estimate": 0.0701,
                            "ci_low": 0.0312,
                            "ci_high": 0.109,
                            "chance_to_beat_control": 0.9999,
                        }
                    ],
                }
            },
        },
    )
    text = snapshot_headline_text(randomised)  # type: ignore[arg-type]
    assert "+0,0701" in text and "renewed" not in text and not english_decimals(text)
    sites = SimpleNamespace(
        ok=True,
        error="",
        payload={"effect": {"estimate": -2.5, "ci_low": -4.1, "ci_high": -0.9, "p_value": 0.012}},
    )
    text = snapshot_headline_text(sites)  # type: ignore[arg-type]
    assert "\u22122,5" in text and not english_decimals(text), text


def test_tables_beside_charts_write_spanish_numbers(spanish):
    from civicloop.feedback.charts import score_distribution, weekly_trend
    from civicloop.feedback.scoring import Score
    from civicloop.scaling.charts import projection_rows
    from civicloop.scaling.projection import SiteProjection

    _spec, rows = score_distribution("How easy was it?", [(1, 1), (2, 2)])
    assert rows[0][2].startswith("33,3") and not english_decimals(str(rows))
    score = Score("govuk", "Satisfied", "share", 71.25, 64.5, 77.75, 120)
    _spec, rows = weekly_trend({date(2026, 3, 2): [score]})
    assert not english_decimals(str(rows)), rows
    site = SiteProjection("Lleida", 1234.5, -10.0, 2000.0, 0.875, 0.1)
    projection = SimpleNamespace(sites=[site])
    assert projection_rows(projection)[0][4].startswith("88")  # type: ignore[arg-type]


def test_labels_and_errors_built_in_code_write_spanish_numbers(spanish):
    from civicloop.evidence.models import EffectEstimate
    from civicloop.market.services import format_mb
    from civicloop.scaling.forms import _effect_label
    from civicloop.scaling.services import plans

    assert format_mb(int(2.5 * 1024 * 1024)) == "2,5"
    assert format_mb(10 * 1024 * 1024) == "10"
    label = _effect_label("Renewals", 0.0701, 0.0312, 0.109, "pp")
    assert "+0,0701" in label and not english_decimals(label), label
    effect = EffectEstimate(outcome="Renewals", estimate=0.0701, unit="pp")
    assert not english_decimals(str(effect)), str(effect)
    chosen = plans._Effect(6.1, 1.2, "pp", "")
    errors: dict[str, str] = {}
    plans._check_tau(31.0, chosen, errors)
    assert "30,5" in errors["tau"] and not english_decimals(errors["tau"]), errors["tau"]
