"""The printed executive summary draws the report page's own Vega-Lite specs (vl-convert), so
the paper and the page cannot show different charts."""

import io
import json
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from civicloop.evidence import charts

pytestmark = pytest.mark.django_db


def _page_spec(html: str, name: str) -> dict:
    found = re.search(
        rf'<script type="application/json" id="{name}-spec">(.*?)</script>', html, re.S
    )
    assert found, f"the report page shows the {name} chart"
    return json.loads(found.group(1))


def test_the_pdf_embeds_the_report_pages_charts_drawn_from_the_same_specs(
    world, evidenced, monkeypatch
):
    drawn: list[dict] = []
    draw = charts.chart_png

    def spy(spec):
        drawn.append(spec)
        return draw(spec)

    monkeypatch.setattr(charts, "chart_png", spy)
    client = world.client("staff")
    html = client.get(f"/evidence/problems/{evidenced.pk}/?lang=en").content.decode()
    page_specs = [_page_spec(html, "kpis"), _page_spec(html, "savings")]

    response = client.get(f"/evidence/problems/{evidenced.pk}/summary.pdf?lang=en")

    assert response.status_code == 200
    assert drawn == page_specs  # the very specs the page renders, in the page's order
    images = [
        image for page in PdfReader(io.BytesIO(response.content)).pages for image in page.images
    ]
    assert len(images) == 2, "each chart is in the PDF as an image"
    for image, spec in zip(images, page_specs, strict=True):
        expected = Image.open(io.BytesIO(draw(spec)))
        assert image.image is not None
        assert image.image.size == expected.size  # vl-convert's drawing of that spec


def test_a_container_wide_chart_gets_a_fixed_width_on_paper_and_nothing_else_changes():
    spec = {"width": "container", "height": 260, "mark": "bar", "data": {"values": []}}
    printed = charts.print_spec(spec)
    assert printed == {**spec, "width": charts.PRINT_WIDTH}
    assert spec["width"] == "container"  # the page's spec is not altered
    assert charts.chart_png(spec).startswith(b"\x89PNG")


def test_every_chart_on_the_report_page_is_valid_vega_lite(world, evidenced):
    import jsonschema
    from altair.vegalite.v6.schema import core

    validator = jsonschema.Draft7Validator(core.load_schema())
    html = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/?lang=es").content
    specs = re.findall(
        r'<script type="application/json" id="([\w-]+)-spec">(.*?)</script>', html.decode(), re.S
    )
    assert len(specs) >= 2, "the report shows its charts"
    for name, text in specs:
        spec = json.loads(text)
        for panel in spec if isinstance(spec, list) else [spec]:
            assert not [e.message for e in validator.iter_errors(panel)], name
