"""Every market page × every role: allowed, or 404 (never a hint that the object exists)."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from civicloop.conftest import ROLES
from civicloop.market import services
from civicloop.market.models import Milestone, Payment
from civicloop.market.tests.factories import PDF_BYTES, awarded_contract, declare_no_conflict

OK = "ok"
NF = 404
# Allowed means the page answered: shown (200), done (302) or a form error (422).
ALLOWED = (200, 302, 422)

UNIT_READERS: dict[str, object] = {"staff": OK, "evaluator": OK, "auditor": OK}
PROPOSAL_READERS: dict[str, object] = {**UNIT_READERS, "vendor": OK}
# (method, page) -> role -> expected; a role not listed gets 404.
MATRIX: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "market:home"): {r: OK for r in ROLES},
    ("GET", "market:needs"): {r: OK for r in ROLES if r != "vendor"},
    ("POST", "market:need_merge"): {"staff": OK, "outsider": OK},
    ("GET", "market:challenge_create"): {"staff": OK, "outsider": OK},
    ("GET", "market:challenge"): {r: OK for r in ROLES},
    ("POST", "market:question_ask"): {"vendor": OK},
    ("GET", "market:manage"): {"staff": OK},
    ("GET", "market:challenge_edit"): {"staff": OK},
    ("POST", "market:challenge_edit"): {"staff": OK},
    ("GET", "market:propose"): {"vendor": OK},
    ("GET", "market:ranking_export"): UNIT_READERS,
    ("GET", "market:rfi_export"): {"staff": OK},
    ("GET", "market:proposal"): PROPOSAL_READERS,
    ("GET", "market:file"): PROPOSAL_READERS,
    ("GET", "market:vendor"): {"vendor": OK},
    ("GET", "market:vendor_dashboard"): {"vendor": OK},
    ("POST", "market:vendor_subscription"): {"vendor": OK},
    ("GET", "market:company_signup"): {r: OK for r in ROLES},
    ("GET", "market:vendors"): {**UNIT_READERS, "outsider": OK},
    ("GET", "market:contract_create"): {"staff": OK},
    ("GET", "market:contract"): PROPOSAL_READERS,
    ("POST", "market:contract"): {"staff": OK},
    ("GET", "market:metrics"): {**UNIT_READERS, "outsider": OK},
}
# Pages anyone may read without signing in.
PUBLIC = {"market:home", "market:challenge", "market:company_signup"}


@pytest.fixture
def objects(world, market):
    services.proposal_file_add(
        actor=world.principal("vendor"), proposal=market.proposal, name="plan.pdf", data=PDF_BYTES
    )
    need = services.need_submit(
        actor=world.principal("official"),
        agency=world.agency,
        title="Licence renewal queues",
        what_is_wrong="Shopkeepers queue for hours at the counter to renew.",
        who_is_affected="Small shopkeepers",
    )
    contract = awarded_contract(world, market)
    # The evaluator has declared no conflict, so the proposal and its file open for them.
    declare_no_conflict(world, market.proposal)
    return {
        "challenge": market.challenge.pk,
        "proposal": market.proposal.pk,
        "file": market.proposal.files.get().pk,
        "award": contract.award_id,
        "contract": contract.pk,
        "need": need.pk,
    }


ARGS = {
    "market:challenge": ["challenge"],
    "market:question_ask": ["challenge"],
    "market:manage": ["challenge"],
    "market:challenge_edit": ["challenge"],
    "market:propose": ["challenge"],
    "market:proposal": ["proposal"],
    "market:file": ["file"],
    "market:contract_create": ["award"],
    "market:contract": ["contract"],
}


def _url(name: str, objects) -> str:
    if name in ("market:ranking_export", "market:rfi_export"):
        return reverse(name, args=[objects["challenge"], "csv"])
    return reverse(name, args=[objects[key] for key in ARGS.get(name, [])])


def _post_data(name: str, objects) -> dict:
    return {
        "market:need_merge": {"need": objects["need"]},
        "market:question_ask": {"text": ""},
        "market:challenge_edit": {"title": "A changed title", "reason": "Clarified wording."},
        "market:contract": {
            "action": "payment",
            "payment-amount": "100",
            "payment-paid_on": timezone.localdate().isoformat(),
        },
    }.get(name, {})


def test_matrix_covers_every_market_page():
    _, sub = get_resolver().namespace_dict["market"]
    names = {f"market:{n}" for n in sub.reverse_dict if isinstance(n, str)}
    covered = {name for _, name in MATRIX}
    assert names == covered, f"pages missing from the permission matrix: {names - covered}"


@pytest.mark.parametrize(("method", "name"), list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_page_access(world, objects, role, method, name):
    client = world.client(role)
    url = _url(name, objects)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, _post_data(name, objects))
    expected = MATRIX[(method, name)].get(role, NF)
    if expected == OK:
        assert response.status_code in ALLOWED, f"{role} {method} {url}: {response.status_code}"
    else:
        assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"


def test_refused_contract_posts_store_nothing(world, objects):
    for role in ROLES:
        if role != "staff":
            world.client(role).post(
                _url("market:contract", objects), _post_data("market:contract", objects)
            )
    assert not Payment.objects.exists() and not Milestone.objects.exists()


@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_anonymous_is_sent_to_sign_in_except_on_public_pages(world, objects, method, name):
    client = world.client(None)
    url = _url(name, objects)
    response = client.get(url) if method == "GET" else client.post(url, _post_data(name, objects))
    if name in PUBLIC:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
