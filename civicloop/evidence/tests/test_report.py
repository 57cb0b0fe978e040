"""The impact report: numbers, rendering (HTML, PDF, English and Spanish), evidence levels."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader
from scipy import stats

from civicloop.core.models import AuditEvent
from civicloop.evidence import services
from civicloop.evidence.inputs import effect_line_from_estimate
from civicloop.evidence.models import EffectEstimate, SharedReportLink
from civicloop.evidence.selectors import impact_report_get

SAVINGS = 120_000 * 0.061 * 58  # 424,560 EUR a year
SAVINGS_SE = 120_000 * 0.009 * 58


@pytest.mark.django_db
def test_report_numbers_follow_from_the_recorded_figures(world, evidenced):
    report = impact_report_get(viewer=world.principal("staff"), problem_id=evidenced.pk)
    assert report.primary is not None
    assert report.primary.outcome == "Missed appointment rate"
    assert report.primary.group == ""
    low, high = stats.norm(-6.1, 0.9).interval(0.95)
    assert report.primary.ci_low == pytest.approx(low)
    assert report.primary.ci_high == pytest.approx(high)
    assert (report.primary.maryland_sms, report.primary.nesta_level) == (5, 3)
    eff = report.efficiencies[0].efficiency
    assert eff.savings is not None and eff.cost_per_transaction_after is not None
    assert eff.savings.estimate == pytest.approx(SAVINGS)
    assert eff.savings.low == pytest.approx(stats.norm(SAVINGS, SAVINGS_SE).ppf(0.025))
    assert eff.cost_per_transaction_after.estimate == pytest.approx(64 - 0.061 * 58)
    assert eff.payback_years == pytest.approx(180_000 / (SAVINGS - 60_000))
    gap = report.equity[0]
    assert gap.gap == pytest.approx(7.4 - 6.1)
    assert report.inputs.themes[0].label == "Good timing"
    assert "entered by hand" in report.inputs.sources


@pytest.mark.parametrize(
    ("design", "extra", "sms", "nesta"),
    [
        ("rct", {"srm_p_value": 0.5, "balance_smd": 0.02, "attrition": 0.01}, 5, 3),
        ("rct", {"srm_p_value": 0.0001}, 3, 3),
        ("rct", {"balance_smd": 0.4}, 4, 3),
        ("rdd", {}, 4, 3),
        ("iv", {}, 4, 3),
        ("did", {"pretrend_p_value": 0.6}, 3, 3),
        ("did", {"pretrend_p_value": 0.01}, 2, 2),
        ("staggered_did", {}, 3, 3),
        ("synthetic_control", {"comparison_group_justified": False}, 2, 2),
        ("its", {}, 2, 2),
        ("before_after_controls", {}, 2, 2),
        ("cross_section_controls", {}, 2, 2),
        ("before_after", {}, 1, 2),
        ("correlation", {}, 1, 2),
        ("rct", {"independent_replications": 1}, 5, 4),
        ("rct", {"independent_replications": 2, "replication_system": True}, 5, 5),
        ("its", {"independent_replications": 3, "replication_system": True}, 2, 2),
    ],
)
def test_each_design_gets_the_published_evidence_levels(design, extra, sms, nesta):
    # Levels from the Maryland SMS guide (Madaleno & Waights 2016) and Nesta (Puttick & Ludlow 2013)
    row = EffectEstimate(
        outcome="x", unit="pp", estimate=1.0, std_error=0.5, design=design, source="s", **extra
    )
    line = effect_line_from_estimate(row)
    assert (line.maryland_sms, line.nesta_level) == (sms, nesta)


@pytest.mark.django_db
def test_report_page_shows_the_numbers(world, evidenced):
    response = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "424,560" in html
    assert "Maryland SMS" in html
    assert "kpis-table" in html
    assert "effects-table" in html
    data = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/?format=json").json()
    assert data["efficiency"][0]["annual_savings"]["estimate"] == pytest.approx(SAVINGS)
    service = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/services/Appointments/")
    assert service.status_code == 200
    missing = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/services/Nope/")
    assert missing.status_code == 404


@pytest.mark.django_db
def test_summary_renders_in_spanish(world, evidenced):
    response = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/summary/?lang=es")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="es"' in html
    assert "424\xa0560" in html  # Spanish grouping (Django es locale): non-breaking space
    assert "Ahorro anual" in html and "Resumen ejecutivo" in html
    english = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/summary/?lang=en")
    assert "Annual savings" in english.content.decode()
    assert "424,560" in english.content.decode()


@pytest.mark.django_db
def test_pdf_summary_contains_the_figures_as_text(world, evidenced):
    response = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 1  # a one-page executive summary
    text = "".join(page.extract_text() for page in pages)
    assert "424,560" in text
    assert "Missed visits" in text


def _token(world, problem, **kwargs):
    return services.shared_link_create(actor=world.principal("staff"), problem=problem, **kwargs)


@pytest.mark.django_db
def test_shared_link_works_without_an_account_then_expires(world, evidenced, client):
    new = _token(world, evidenced, days=7, language="es")
    stored = SharedReportLink.objects.get()
    assert new.token not in stored.token_hash
    assert len(stored.token_hash) == 64
    assert AuditEvent.objects.filter(action="evidence.shared_link_created").count() == 1
    page = client.get(f"/evidence/s/{new.token}/")
    assert page.status_code == 200
    assert "424\xa0560" in page.content.decode()
    pdf = client.get(f"/evidence/s/{new.token}/summary.pdf")
    assert pdf.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Ahorro anual" in text
    assert client.get("/evidence/s/not-a-token/").status_code == 404
    SharedReportLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/evidence/s/{new.token}/").status_code == 410
    assert client.get(f"/evidence/s/{new.token}/summary.pdf").status_code == 410


@pytest.mark.django_db
def test_revoked_link_stops_working_and_is_audited(world, evidenced, client):
    new = _token(world, evidenced)
    assert client.get(f"/evidence/s/{new.token}/").status_code == 200
    response = world.client("staff").post(f"/evidence/links/{new.link.pk}/revoke/")
    assert response.status_code == 302
    assert client.get(f"/evidence/s/{new.token}/").status_code == 410
    assert AuditEvent.objects.filter(action="evidence.shared_link_revoked").count() == 1


@pytest.mark.django_db
def test_link_lifetime_is_bounded(world, evidenced):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="between 1 and 90 days"):
        _token(world, evidenced, days=365)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "report", "share"),
    [
        ("staff", 200, 302),
        ("auditor", 200, 404),
        ("evaluator", 200, 404),
        ("official", 200, 404),
        ("other_official", 404, 404),
        ("vendor", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_permission_matrix_for_report_pages(world, evidenced, role, report, share):
    link = _token(world, evidenced).link
    client = world.client(role)
    # The view history of a shared link is for the people who may share the report.
    history = client.get(f"/evidence/links/{link.pk}/views/")
    assert history.status_code == (200 if role == "staff" else 404)
    csv = client.get(f"/evidence/links/{link.pk}/views/?format=csv")
    assert csv.status_code == (200 if role == "staff" else 404)
    assert client.get(f"/evidence/problems/{evidenced.pk}/").status_code == report
    assert client.get(f"/evidence/problems/{evidenced.pk}/summary/").status_code == report
    response = client.post(
        f"/evidence/problems/{evidenced.pk}/share/", {"days": 5, "language": "en"}
    )
    assert response.status_code == share
    effect_form = client.get(f"/evidence/problems/{evidenced.pk}/effects/new/")
    assert effect_form.status_code == (200 if role == "staff" else 404)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(world, evidenced, client):
    response = client.get(f"/evidence/problems/{evidenced.pk}/")
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
def test_effect_form_refuses_a_zero_standard_error(world, evidenced):
    response = world.client("staff").post(
        f"/evidence/problems/{evidenced.pk}/effects/new/",
        {
            "outcome": "x",
            "role": "primary",
            "unit": "pp",
            "estimate": 1,
            "std_error": 0,
            "design": "rct",
            "source": "s",
        },
    )
    assert response.status_code == 422
    assert "Standard error must be greater than zero" in response.content.decode()


@pytest.mark.django_db
def test_service_figures_form_replaces_figures_and_explains_bad_currency(world, evidenced):
    client = world.client("staff")
    url = f"/evidence/problems/{evidenced.pk}/figures/new/"
    data = {
        "service_name": "Appointments",
        "annual_volume": "60000",
        "volume_std_error": "0",
        "cost_per_transaction": "64",
        "value_per_outcome_unit": "58",
        "outcome_scale": "0.01",
        "one_off_cost": "180000",
        "annual_running_cost": "60000",
        "currency": "EUR",
        "source": "Finance 2026",
    }
    assert client.post(url, data).status_code == 302
    report = impact_report_get(viewer=world.principal("staff"), problem_id=evidenced.pk)
    savings = report.efficiencies[0].efficiency.savings
    assert savings is not None
    assert savings.estimate == pytest.approx(60_000 * 0.061 * 58)
    bad = client.post(url, data | {"currency": "E1"})
    assert bad.status_code == 422
    assert "at least 3 characters" in bad.content.decode()
    assert world.client("auditor").get(url).status_code == 404
    theme = client.post(
        f"/evidence/problems/{evidenced.pk}/themes/new/",
        {"label": "Too early", "mentions": "9", "sentiment": "2", "source": "s"},
    )
    assert theme.status_code == 422
    assert "Ensure this value is less than or equal to 1" in theme.content.decode()
