"""OCDS 1.1.5 output is schema-valid (validated offline) and publishes no sealed content."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from civicloop.market import services
from civicloop.market.ocds.build import release_package, validation_errors
from civicloop.market.tests.factories import CANARY, close_submissions


def _awarded(world, market):
    close_submissions(market.challenge, world=world)
    staff = world.principal("staff")
    award = services.award_decide(
        actor=staff,
        proposal=market.proposal,
        amount=Decimal("40000"),
        rationale="Highest weighted score and a credible plan.",
    )
    today = timezone.localdate()
    contract = services.contract_sign(
        actor=staff,
        award=award,
        title="Feasibility",
        value=Decimal("40000"),
        signed_on=today,
        starts_on=today,
        ends_on=today + timedelta(days=60),
    )
    m = services.milestone_add(actor=staff, contract=contract, title="Report", due_on=today)
    services.payment_record(
        actor=staff, contract=contract, amount=Decimal("1000"), paid_on=today, milestone=m
    )


def test_validator_rejects_a_broken_package():
    errors = validation_errors({"uri": "x", "releases": [{"ocid": 1}]})
    assert errors  # the schema is really applied (missing fields, wrong types)


def test_release_package_is_valid_with_tender_bids_awards_contracts(world, market):
    _awarded(world, market)
    package = release_package()
    assert validation_errors(package) == []
    (release,) = package["releases"]
    assert release["tag"] == ["tender", "award", "contract"]
    assert release["tender"]["numberOfTenderers"] == 2
    assert {"id": "1", "measure": "bids", "value": 2} in release["bids"]["statistics"]
    scales = {p["name"]: p.get("details", {}).get("scale") for p in release["parties"]}
    assert scales[world.company.name] == "sme"
    assert release["contracts"][0]["implementation"]["transactions"][0]["value"]["amount"] == 1000
    assert CANARY not in str(package)


def test_no_bid_count_before_deadline(world, market):
    package = release_package()
    assert validation_errors(package) == []
    assert "numberOfTenderers" not in package["releases"][0]["tender"]


def test_public_endpoint_and_export_command(world, market, tmp_path, client):
    _awarded(world, market)
    response = client.get("/api/v1/open-data/ocds/release-package.json")
    assert response.status_code == 200
    assert validation_errors(response.json()) == []
    target = tmp_path / "ocds.json"
    call_command("export", "ocds", str(target))
    import json

    assert validation_errors(json.loads(target.read_text())) == []


def test_public_endpoint_answers_404_before_anything_is_published(db, client):
    response = client.get("/api/v1/open-data/ocds/release-package.json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
