"""The PDF renderer never reads a file or URL named in the report's HTML (defence in depth:
report text is escaped, but an engine that can read files must not be one template edit away)."""

from PIL import Image

from civicloop.evidence.views import pdf_from_html


def test_a_file_url_in_the_report_html_is_not_read(tmp_path):
    image = tmp_path / "red.png"
    Image.new("RGB", (20, 20), (255, 0, 0)).save(image)
    pdf = pdf_from_html(f'<p>Report</p><img src="{image.as_uri()}" alt="">')
    assert pdf.startswith(b"%PDF")
    assert b"/Image" not in pdf


def test_inline_data_still_renders():
    png = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    assert b"/Image" in pdf_from_html(f'<img src="{png}" alt="">')
