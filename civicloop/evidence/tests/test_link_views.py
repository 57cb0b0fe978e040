"""Every opening of a shared link is recorded (no reader data) and shown to the report owner."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicloop.evidence import services
from civicloop.evidence.models import SharedLinkView, SharedReportLink
from civicloop.web.tests.paging import body

pytestmark = pytest.mark.django_db


def _link(world, problem, **kwargs):
    return services.shared_link_create(actor=world.principal("staff"), problem=problem, **kwargs)


def test_each_view_is_recorded_with_link_report_time_and_nothing_about_the_reader(
    world, evidenced, client
):
    new = _link(world, evidenced, language="es")
    before = timezone.now()
    assert client.get(f"/evidence/s/{new.token}/", REMOTE_ADDR="203.0.113.9").status_code == 200
    pdf = client.get(
        f"/evidence/s/{new.token}/summary.pdf?lang=en", HTTP_USER_AGENT="Secret-Browser/1.0"
    )
    assert pdf.status_code == 200
    views = list(SharedLinkView.objects.order_by("viewed_at"))
    assert [(v.link_id, v.problem_id, v.document, v.language) for v in views] == [
        (new.link.pk, evidenced.pk, "page", "es"),
        (new.link.pk, evidenced.pk, "pdf", "en"),
    ]
    assert all(before <= v.viewed_at <= timezone.now() for v in views)
    assert SharedReportLink.objects.get().view_count == 2
    # Personal data minimised: the table has no column that could hold who the reader was.
    columns = {f.column for f in SharedLinkView._meta.concrete_fields}
    assert columns == {"id", "link_id", "problem_id", "viewed_at", "document", "language"}
    stored = [str(v) for row in SharedLinkView.objects.values_list() for v in row]
    assert not any("203.0.113" in s or "Secret-Browser" in s for s in stored)


def test_recording_a_view_costs_one_insert(world, evidenced):
    new = _link(world, evidenced)
    with CaptureQueriesContext(connection) as ctx:
        services.shared_link_open(token=new.token)
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "evidence_sharedlinkview" in inserts[0]


def test_dead_and_unknown_links_record_no_view(world, evidenced, client):
    new = _link(world, evidenced)
    assert client.get("/evidence/s/nope/").status_code == 404
    SharedReportLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/evidence/s/{new.token}/").status_code == 410
    assert not SharedLinkView.objects.exists()


def test_owner_sees_the_view_history_and_can_export_it(world, evidenced, client):
    new = _link(world, evidenced, label="For the council")
    other = _link(world, evidenced)
    client.get(f"/evidence/s/{new.token}/")
    client.get(f"/evidence/s/{new.token}/summary.pdf")
    client.get(f"/evidence/s/{other.token}/")
    staff = world.client("staff")
    report = staff.get(f"/evidence/problems/{evidenced.pk}/").content.decode()
    assert f"/evidence/links/{new.link.pk}/views/" in report
    assert "2 views" in report and "1 view<" in report
    page = staff.get(f"/evidence/links/{new.link.pk}/views/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "For the council" in html
    assert 'id="view-total">2 views<' in html
    assert html.count('<tr class="govuk-table__row"><td') == 2
    assert "PDF" in html and "Summary page" in html
    csv = body(staff.get(f"/evidence/links/{new.link.pk}/views/?format=csv")).decode()
    lines = csv.splitlines()
    assert lines[0] == "viewed_at,document,language,link_prefix,problem_id"
    assert sorted(line.split(",")[1] for line in lines[1:]) == ["page", "pdf"]
    staff.post(f"/evidence/links/{new.link.pk}/revoke/")
    assert "Revoked on" in staff.get(f"/evidence/links/{new.link.pk}/views/").content.decode()


def test_view_history_query_count_does_not_grow_with_views(world, evidenced, client):
    new = _link(world, evidenced)
    staff = world.client("staff")
    url = f"/evidence/links/{new.link.pk}/views/"
    staff.get(url)  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(5):
        services.shared_link_open(token=new.token)
    assert count() == few
