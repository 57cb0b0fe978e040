"""The replication plan page: its projection chart, units beside every input, and replications."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def embedded_spec(html: str, chart_id: str) -> dict:
    match = re.search(
        rf'<script type="application/json" id="{chart_id}-spec">(.*?)</script>', html, re.S
    )
    assert match, f"no spec for {chart_id}"
    return json.loads(match.group(1))


def test_plan_page_embeds_a_real_vega_lite_spec(world, scaled):
    html = world.client("staff").get(f"/scaling/plans/{scaled['plan'].pk}/").content.decode()
    assert "Macro" not in html
    spec = embedded_spec(html, "projection")
    assert "vega-lite" in spec["$schema"]
    sites = [row["site"] for row in spec["data"]["values"]]
    assert "Town" in sites
    assert spec["layer"][0]["encoding"]["x"]["title"] == "Annual savings (EUR)"


def test_plan_page_of_another_unit_is_404(world, scaled):
    assert world.client("outsider").get(f"/scaling/plans/{scaled['plan'].pk}/").status_code == 404
