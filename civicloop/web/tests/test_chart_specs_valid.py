"""Every chart builder's spec is valid Vega-Lite.

Pages build specs without Altair's validation (`web.charts.as_spec`: it was two thirds of a
chart's cost on every view); this is where an invalid spec is caught instead, against the
same JSON schema Altair ships and would have used.
"""

from __future__ import annotations

import altair as alt
import jsonschema
import pytest
from altair.vegalite.v6.schema import core
from django.utils import translation

from civicloop.scaling.assessment import DomainSummary
from civicloop.scaling.charts import radar_chart
from civicloop.web.charts import as_spec
from civicloop.web.tests.test_chart_titles_in_spanish import _charts


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(core.load_schema())


def _errors(validator: jsonschema.Draft7Validator, spec: dict) -> list[str]:
    panels = spec if isinstance(spec, list) else [spec]
    return [error.message for panel in panels for error in validator.iter_errors(panel)]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_chart_builder_makes_a_valid_vega_lite_spec(validator, language):
    with translation.override(language):
        charts = _charts()
        charts["radar"] = radar_chart(
            [DomainSummary("need", 4, 3.5, 0.5, 3, 4), DomainSummary("cost", 4, 2.0, 1.0, 1, 3)],
            {"need": "Need", "cost": "Cost"},
        )
    invalid = {name: _errors(validator, spec) for name, spec in charts.items()}
    assert not {name: e for name, e in invalid.items() if e}


def test_the_check_catches_what_altairs_validation_would_have(validator):
    chart = alt.Chart(alt.Data(values=[{"x": 1}])).mark_bar().encode(x="x:Q")
    spec = as_spec(chart)
    assert _errors(validator, spec) == []
    spec["mark"] = {"type": "not-a-mark"}
    assert _errors(validator, spec), "an unknown mark type is refused"
    with pytest.raises(Exception, match="not-a-mark"):
        alt.Chart.from_dict(spec, validate=True)
