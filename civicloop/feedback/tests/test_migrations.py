"""The migrations that link feedback by foreign key and hash personal respondent ids."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from civicloop.core.tests.factories import AgencyFactory, UnitFactory
from civicloop.feedback import respondents

EXPERIMENTS = ("experiments", "0002_experiment_refresh_task_id")
BEFORE = [("feedback", "0001_surveys_responses_themes"), EXPERIMENTS]
AFTER = [("feedback", "0003_hash_personal_respondent_ids"), EXPERIMENTS]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    """Leave the database at the latest migrations: later tests of this process use it."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_after")
def test_backfill_links_within_the_unit_and_reports_ambiguous_tags(capsys):
    unit_a, unit_b = UnitFactory.create(), UnitFactory.create()
    agency_a, agency_b = AgencyFactory.create(unit=unit_a), AgencyFactory.create(unit=unit_b)
    apps = _migrate(BEFORE)
    Service = apps.get_model("experiments", "Service")
    Iteration = apps.get_model("experiments", "Iteration")
    Survey = apps.get_model("feedback", "Survey")
    Response = apps.get_model("feedback", "Response")

    def service(unit, agency, name):
        return Service.objects.create(
            unit_id=unit.pk,
            owner_agency_id=agency.pk,
            name=name,
            annual_volume=1000,
            cost_per_transaction=1,
        )

    def iteration(svc):
        return Iteration.objects.create(
            service=svc,
            number=1,
            title="t",
            what_changes="w",
            hypothesis_change="c",
            hypothesis_metric="m",
            hypothesis_group="g",
            hypothesis_effect="e",
            hypothesis_because="b",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 2, 1),
            evaluation_plan="p",
        )

    a_iteration = iteration(service(unit_a, agency_a, "Licence renewals"))
    b_iteration = iteration(service(unit_b, agency_b, "Licence renewals"))
    # Unit B also has two services whose names slugify alike: their tag is ambiguous there.
    iteration(service(unit_b, agency_b, "Parking permit"))
    iteration(service(unit_b, agency_b, "Parking-permit"))

    def response(unit, slug, iteration_key, respondent_id=""):
        survey = Survey.objects.create(unit_id=unit.pk, slug=slug, title={"en": slug})
        return Response.objects.create(
            survey=survey,
            submitted_at=timezone.now(),
            channel="api",
            service_key=iteration_key.rsplit("-", 1)[0],
            iteration_key=iteration_key,
            respondent_id=respondent_id,
            fingerprint=slug,
        )

    in_a = response(unit_a, "a", "licence-renewals-1", respondent_id="12345678Z")
    in_b = response(unit_b, "b", "licence-renewals-1", respondent_id="TCK-7")
    ambiguous = response(unit_b, "b2", "parking-permit-1")

    apps = _migrate(AFTER)
    Response = apps.get_model("feedback", "Response")
    rows = {r.pk: r for r in Response.objects.all()}
    assert rows[in_a.pk].iteration_id == a_iteration.pk
    assert rows[in_b.pk].iteration_id == b_iteration.pk
    assert rows[ambiguous.pk].iteration_id is None
    assert rows[ambiguous.pk].service_id is None
    out = capsys.readouterr().out
    assert "'parking-permit-1' names several" in out
    assert str(ambiguous.pk) in out
    # The DNI stored in clear before ids were checked is now its keyed hash; codes stay.
    dni = respondents.personal_identifier("12345678Z")
    assert dni is not None
    assert rows[in_a.pk].respondent_id == respondents.pseudonym(dni)
    assert rows[in_b.pk].respondent_id == "TCK-7"
