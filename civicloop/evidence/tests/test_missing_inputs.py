"""A report never computes a money figure from a stand-in: a missing input is named instead.

The world: a service recorded in the experiments app (volume and unit cost only) with a
measured primary effect, and no service figures entered in the evidence app. Before, the
report took €1 per outcome unit and €0 of cost and showed "payback 0.00 years".
"""

import re
from decimal import Decimal

import pytest
from django.test import Client

from civicloop.evidence import services
from civicloop.evidence.selectors import impact_report_get

pytestmark = pytest.mark.django_db

ALL_MISSING = ["value_per_outcome_unit", "one_off_cost", "annual_running_cost"]


def test_service_without_figures_has_no_savings_and_names_what_is_missing(world, unpriced):
    report = impact_report_get(viewer=world.principal("staff"), problem_id=unpriced.pk)
    [line] = report.efficiencies
    f = line.efficiency
    assert list(f.missing_inputs) == ALL_MISSING
    assert f.savings is None and f.net_annual_savings is None and f.payback_years is None
    assert f.cost_per_transaction_after is None and f.cost_per_outcome_unit is None
    assert report.total_savings is None
    assert f.outcome_units_per_year.estimate == pytest.approx(73_000 * 0.084)


def test_report_page_names_the_missing_inputs_and_shows_no_payback(world, unpriced):
    html = world.client("staff").get(f"/evidence/problems/{unpriced.pk}/").content.decode()
    assert "enter the value per outcome unit to see savings" in html
    assert "Licence renewals: enter the value per outcome unit to see savings." in html
    assert f"/evidence/problems/{unpriced.pk}/figures/new/?service=Licence%20renewals" in html
    assert "0.00" not in re.sub(r"\s+", " ", html.split('id="efficiency"')[1].split("</table>")[0])
    assert 'id="savings-spec"' not in html  # no chart of figures that do not exist


def test_summary_and_shared_link_name_the_missing_inputs(world, unpriced):
    html = world.client("staff").get(f"/evidence/problems/{unpriced.pk}/summary/").content.decode()
    assert "Licence renewals: enter the value per outcome unit to see savings." in html
    figures = html.split("summary-figures")[1].split("</dl>")[0]
    assert " years" not in figures and "not reached" not in figures
    spanish = world.client("staff").get(f"/evidence/problems/{unpriced.pk}/summary/?lang=es")
    assert "introduzca el valor por unidad de resultado" in spanish.content.decode()
    new = services.shared_link_create(actor=world.principal("staff"), problem=unpriced, days=3)
    public = Client()
    shared = public.get(f"/evidence/s/{new.token}/").content.decode()
    assert "enter the value per outcome unit to see savings" in shared
    api = public.get(f"/api/v1/evidence/shared/{new.token}").json()
    assert api["efficiency"][0]["annual_savings"] is None
    assert [m["field"] for m in api["missing_inputs"]] == ALL_MISSING


def test_api_answers_null_and_lists_the_missing_inputs(world, unpriced):
    auth = {"Authorization": f"Bearer {world.api_key()}"}
    body = Client().get(f"/api/v1/evidence/problems/{unpriced.pk}/report", headers=auth).json()
    [line] = body["efficiency"]
    assert line["annual_savings"] is None and line["payback_years"] is None
    assert line["net_annual_savings"] is None and line["cost_per_transaction_after"] is None
    assert line["value_per_outcome_unit"] is None and line["one_off_cost"] is None
    assert line["missing_inputs"] == ALL_MISSING
    assert body["missing_inputs"] == [
        {"service": "Licence renewals", "field": name} for name in ALL_MISSING
    ]
    other = Client().get(
        f"/api/v1/evidence/problems/{unpriced.pk}/report",
        headers={"Authorization": f"Bearer {world.api_key(org=world.other_unit)}"},
    )
    assert other.status_code == 404


def test_entering_the_value_shows_savings_in_the_currency_but_still_no_payback(world, unpriced):
    staff = world.principal("staff")
    services.service_figures_set(
        actor=staff,
        problem=unpriced,
        service_name="Licence renewals",
        annual_volume=1,
        cost_per_transaction=Decimal("1"),
        value_per_outcome_unit=Decimal("30"),
        source="Finance",
    )
    auth = {"Authorization": f"Bearer {world.api_key()}"}
    body = Client().get(f"/api/v1/evidence/problems/{unpriced.pk}/report", headers=auth).json()
    [line] = body["efficiency"]
    assert line["annual_savings"]["estimate"] == pytest.approx(73_000 * 0.084 * 30)
    assert line["annual_savings"]["currency"] == "EUR"
    assert line["payback_years"] is None
    assert line["missing_inputs"] == ["one_off_cost", "annual_running_cost"]
    html = world.client("staff").get(f"/evidence/problems/{unpriced.pk}/").content.decode()
    assert "enter the one-off cost to see payback" in html
    assert 'id="savings-spec"' in html


def test_another_units_report_is_404(world, unpriced):
    assert world.client("outsider").get(f"/evidence/problems/{unpriced.pk}/").status_code == 404


def test_service_figures_api_accepts_missing_value_and_refuses_a_negative_one(world, unpriced):
    auth = {"Authorization": f"Bearer {world.api_key()}"}
    url = f"/api/v1/evidence/problems/{unpriced.pk}/services"
    payload = {"service_name": "Licence renewals", "annual_volume": 10, "cost_per_transaction": 1}
    ok = Client().put(
        url, {**payload, "source": "Finance"}, content_type="application/json", headers=auth
    )
    assert ok.status_code == 200
    bad = Client().put(
        url,
        {**payload, "source": "Finance", "value_per_outcome_unit": -1},
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code == 422 and "value_per_outcome_unit" in bad.content.decode()
