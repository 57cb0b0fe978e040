"""Uploading site observations as a CSV file on the experiment's page: every row is checked and
either all rows are recorded or none, through the same service the API uses."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from civicloop.core.models import AuditEvent
from civicloop.experiments import services, site_csv
from civicloop.experiments.models import SiteObservation
from civicloop.experiments.tests import factories as f
from civicloop.web.tests.paging import body

pytestmark = pytest.mark.django_db

GOOD = (
    "site,period,outcome,treated\r\n"
    "Office North,2025-01-06,140.5,false\r\n"
    "Office North,2025-01-13,120,true\r\n"
    "Office South,2025-01-06,150,0\r\n"
    "Office South,2025-01-13,-2.5e1,\r\n"
)


@pytest.fixture
def pilot(world):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "days", source="sites", higher_is_better=False)
    return services.experiment_create(
        actor=staff,
        iteration=it,
        key="pilot",
        title="Triage pilot",
        design="did",
        analysis_plan="TWFE, clustered by office",
        metrics=[(metric, "primary", None)],
        intervention_date=date(2025, 1, 13),
    )


def _upload(client, experiment, content: str | bytes, name: str = "sites.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/experiments/{experiment.pk}/site-observations/",
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def _stored(experiment) -> list[tuple[str, date, float, bool]]:
    return list(
        SiteObservation.objects.filter(experiment=experiment)
        .order_by("site", "period")
        .values_list("site", "period", "outcome", "treated")
    )


class _RejectedRows(HTMLParser):
    """The cells of the page's "Rejected rows" table, as the user reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "rejected-rows") in attrs:
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_cell = False
        elif tag == "table":
            self._in_table = self._in_body = False

    def handle_data(self, data):
        if self._in_cell:
            self.rows[-1][-1] += data


def _rejections(response) -> list[tuple[int, str, str]]:
    parser = _RejectedRows()
    parser.feed(response.content.decode())
    return [
        (0 if row == "–" else int(row), "" if column == "–" else column, rule.strip())
        for row, column, rule in parser.rows
    ]


def test_staff_upload_a_csv_and_every_row_is_recorded_with_an_audit_event(world, pilot):
    client = world.client("staff")
    page = client.get(f"/experiments/{pilot.pk}/site-observations/")
    assert page.status_code == 200
    assert "Download the template CSV" in page.content.decode()

    r = _upload(client, pilot, "\ufeff" + GOOD)  # Excel's "CSV UTF-8" starts with a BOM
    assert r.status_code == 302
    assert r["Location"] == f"/experiments/{pilot.pk}/"
    assert _stored(pilot) == [
        ("Office North", date(2025, 1, 6), 140.5, False),
        ("Office North", date(2025, 1, 13), 120.0, True),
        ("Office South", date(2025, 1, 6), 150.0, False),
        ("Office South", date(2025, 1, 13), -25.0, False),
    ]
    event = AuditEvent.objects.get(action="experiments.site_observations_recorded")
    assert event.object_id == str(pilot.pk)
    assert event.metadata == {"rows": 4, "replaced": 0, "source": "csv"}
    assert "4 site observations recorded." in client.get(r["Location"]).content.decode()


def test_uploading_the_same_file_again_counts_nothing_twice_and_a_correction_replaces(world, pilot):
    client = world.client("staff")
    assert _upload(client, pilot, GOOD).status_code == 302
    assert _upload(client, pilot, GOOD).status_code == 302
    assert len(_stored(pilot)) == 4
    corrected = GOOD.replace("Office North,2025-01-13,120,true", "Office North,2025-01-13,99,true")
    assert _upload(client, pilot, corrected).status_code == 302
    assert ("Office North", date(2025, 1, 13), 99.0, True) in _stored(pilot)
    assert len(_stored(pilot)) == 4
    last = AuditEvent.objects.filter(action="experiments.site_observations_recorded").latest(
        "sequence"
    )
    assert last.metadata["replaced"] == 4


def test_the_treated_column_is_optional_and_unnamed_columns_are_ignored(world, pilot):
    r = _upload(world.client("staff"), pilot, "period,site,outcome,\n2025-01-06,A,1,\n")
    assert r.status_code == 302
    assert _stored(pilot) == [("A", date(2025, 1, 6), 1.0, False)]


def test_the_template_is_the_header_row_to_fill_in(world, pilot):
    r = world.client("staff").get(f"/experiments/{pilot.pk}/site-observations/template.csv")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    assert body(r).decode().splitlines() == ["site,period,outcome,treated"]


HEADER = "site,period,outcome,treated\n"


@pytest.mark.parametrize(
    ("body", "row", "column", "rule"),
    [
        (",2025-01-06,1,false", 2, "site", "Required: name the site"),
        ("S" * 121 + ",2025-01-06,1,false", 2, "site", "at most 120 characters"),
        ("A,06/01/2025,1,false", 2, "period", "YYYY-MM-DD"),
        ("A,2025-02-30,1,false", 2, "period", "YYYY-MM-DD"),
        ("A,20250106,1,false", 2, "period", "YYYY-MM-DD"),
        ("A,2025-01-06,,false", 2, "outcome", "finite number"),
        ('A,2025-01-06,"1,5",false', 2, "outcome", "no thousands separator"),
        ("A,2025-01-06,nan,false", 2, "outcome", "finite number"),
        ("A,2025-01-06,1e999,false", 2, "outcome", "finite number"),
        ("A,2025-01-06,1,maybe", 2, "treated", "Write true or false"),
        ("A,2025-01-06,1,false,extra", 2, "", "5 cells but the header names 4"),
        ("A,2025-01-06," + "9" * 201 + ",false", 2, "outcome", "longer than 200 characters"),
        ("A,2025-01-06,1,false\nA,2025-01-06,2,true", 3, "period", "already has a row"),
        ("A,2025-01-06,1,false\n\nB,2025-01-06,x,false", 4, "outcome", "finite number"),
    ],
)
def test_each_broken_rule_is_listed_with_row_column_and_rule(world, pilot, body, row, column, rule):
    r = _upload(world.client("staff"), pilot, HEADER + body + "\n")
    assert r.status_code == 422
    rejected = _rejections(r)
    assert [(e_row, e_col) for e_row, e_col, _ in rejected] == [(row, column)]
    assert rule in rejected[0][2]
    html = r.content.decode()
    assert "nothing was recorded" in html
    assert "Rejected rows" in html
    assert _stored(pilot) == []


@pytest.mark.parametrize(
    ("content", "row", "column", "rule"),
    [
        ("site,period\nA,2025-01-06\n", 1, "outcome", "This column is required"),
        ("site,period,outcome,treatd\n", 1, "treatd", "Unknown column"),
        ("site,period,outcome,site\n", 1, "site", "appears twice"),
        ("\n\n", 1, "", "The file is empty"),
        (HEADER, 2, "", "no data rows"),
        (HEADER + ",,,\n", 2, "", "no data rows"),
        (
            HEADER.encode()
            + "A,2025-01-06,1,false\nCáceres,2025-01-06,1,false\n".encode("latin-1"),
            3,
            "",
            "not UTF-8",
        ),
        (HEADER + "A,2025-01-06,1\x00,false\n", 2, "", "NUL characters"),
        (HEADER + 'A,2025-01-06,"' + "9" * 140_000 + '",false\n', 2, "", "cannot be read as CSV"),
    ],
)
def test_file_level_problems_are_reported_and_nothing_is_recorded(
    world, pilot, content, row, column, rule
):
    r = _upload(world.client("staff"), pilot, content)
    assert r.status_code == 422
    rejected = _rejections(r)
    assert (rejected[0][0], rejected[0][1]) == (row, column)
    assert rule in rejected[0][2]
    assert _stored(pilot) == []


def test_too_many_rows_are_refused(world, pilot, monkeypatch):
    monkeypatch.setattr(site_csv, "SITE_CSV_MAX_ROWS", 2)
    body = "".join(f"A,2025-01-{d:02d},1,false\n" for d in (6, 13, 20))
    r = _upload(world.client("staff"), pilot, HEADER + body)
    assert r.status_code == 422
    assert _rejections(r) == [(4, "", "Too many rows: at most 2 per file.")]
    assert _stored(pilot) == []


def test_a_large_or_non_csv_file_is_refused_before_reading(world, pilot, monkeypatch):
    client = world.client("staff")
    r = _upload(client, pilot, b"")
    assert r.status_code == 422
    assert "The submitted file is empty." in r.content.decode()
    r = _upload(client, pilot, GOOD, name="sites.xlsx")
    assert r.status_code == 422
    assert "Upload a .csv file." in r.content.decode()
    monkeypatch.setattr(site_csv, "SITE_CSV_MAX_BYTES", 1024 * 1024)
    r = _upload(client, pilot, HEADER + "A,2025-01-06,1,false\n" * 60_000)
    assert r.status_code == 422
    assert "The file is larger than 1 MB." in r.content.decode()
    assert _stored(pilot) == []


def test_one_bad_row_stores_nothing_and_keeps_what_was_stored(world, pilot):
    client = world.client("staff")
    assert _upload(client, pilot, GOOD).status_code == 302
    before = _stored(pilot)
    events = AuditEvent.objects.count()
    changed = (
        GOOD.replace("140.5", "1.0")  # a valid change that must not be applied
        + "Office East,2025-01-06,1,false\n"  # a valid new row that must not be added
        + "Office East,2025-01-13,lots,true\n"  # the one bad row
    )
    r = _upload(client, pilot, changed)
    assert r.status_code == 422
    assert _rejections(r) == [(7, "outcome", _rejections(r)[0][2])]
    assert _stored(pilot) == before
    assert AuditEvent.objects.count() == events


def test_every_rejected_row_is_listed_not_only_the_first(world, pilot):
    body = "A,2025-01-06,x,false\nB,bad,1,false\nC,2025-01-06,1,false\nD,2025-01-06,1,perhaps\n"
    r = _upload(world.client("staff"), pilot, HEADER + body)
    assert [(row, col) for row, col, _ in _rejections(r)] == [
        (2, "outcome"),
        (3, "period"),
        (5, "treated"),
    ]
    html = r.content.decode()
    assert "3 rows were rejected, so nothing was recorded" in html
    assert 'href="#id_file"' in html  # the error summary leads to the file field


def test_randomised_experiments_have_no_upload_page(world):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    exp = f.ab_experiment(staff, it, [(f.metric(staff, world.unit, "renewed"), "primary", None)])
    client = world.client("staff")
    assert client.get(f"/experiments/{exp.pk}/site-observations/").status_code == 404
    assert "Upload site observations" not in client.get(f"/experiments/{exp.pk}/").content.decode()


def test_the_experiment_page_links_to_the_upload_for_managers_only(world, pilot):
    link = f'href="/experiments/{pilot.pk}/site-observations/"'
    assert link in world.client("staff").get(f"/experiments/{pilot.pk}/").content.decode()
    page = world.client("official").get(f"/experiments/{pilot.pk}/").content.decode()
    assert link not in page
    assert "0 site observations stored." in page


def test_the_api_refuses_a_non_finite_outcome_and_counts_a_resent_payload_once(world, pilot):
    client = world.client("staff")
    url = f"/api/v1/experiments/{pilot.pk}/site-observations"
    rows = [
        {"site": "A", "period": "2025-01-06", "outcome": 1.5, "treated": False},
        {"site": "A", "period": "2025-01-13", "outcome": 2.5, "treated": True},
    ]
    for _ in range(2):
        r = client.post(url, data=json.dumps(rows), content_type="application/json")
        assert r.status_code == 201
        assert r.json() == {"recorded": 2}
    assert len(_stored(pilot)) == 2
    with pytest.raises(ValidationError, match="finite"):
        services.site_observations_record(
            actor=world.principal("staff"),
            experiment=pilot,
            rows=[{"site": "A", "period": date(2025, 1, 6), "outcome": float("nan")}],
        )
    assert ("A", date(2025, 1, 6), 1.5, False) in _stored(pilot)


def test_a_semicolon_file_gets_the_delimiter_hint_not_missing_columns(world, pilot):
    body = "site;period;outcome;treated\nA;2025-01-06;1,5;false\n"
    r = _upload(world.client("staff"), pilot, body)
    assert r.status_code == 422
    [(row, column, rule)] = _rejections(r)
    assert (row, column) == (1, "")
    assert "separated by ';'" in rule and "CSV UTF-8" in rule
    assert "required" not in rule
    assert _stored(pilot) == []


def test_a_row_breaking_several_rules_lists_each_column(world, pilot):
    r = _upload(world.client("staff"), pilot, HEADER + ",06/01/2025,many,perhaps\n")
    assert r.status_code == 422
    assert [(row, column) for row, column, _ in _rejections(r)] == [
        (2, "site"),
        (2, "period"),
        (2, "outcome"),
        (2, "treated"),
    ]
    assert "1 row was rejected, so nothing was recorded" in r.content.decode()
