"""The abuse rules, one test each: floods, duplicate accounts, vote stuffing, spam, personal data.

The figures (docs/participation.md): per hour, 3 proposals / 10 comments / 30 supports per
account and 10 / 30 / 60 per connection; 3 supports of one proposal from one connection and one
e-mail domain within 60 seconds are held for review; at most 0 links in a title, 2 in a
proposal, 1 in a comment.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.core.models import Person
from civicloop.participation import abuse, selectors, services
from civicloop.participation.models import Comment, Proposal, Support, SupportStatus
from civicloop.participation.tests.conftest import published

pytestmark = pytest.mark.django_db


def _submit(world, actor, client_hash="", **kw):
    data = {
        "unit_id": world.unit.pk,
        "kind": "idea",
        "title": "More benches at the bus stops",
        "body": "Older people wait standing for 20 minutes at the stops on the ring road.",
        "language": "en",
    }
    data.update(kw)
    return services.proposal_submit(actor=actor, client_hash=client_hash, **data)


# --- floods ------------------------------------------------------------------------------


def test_one_account_sends_at_most_three_proposals_an_hour(world, ana):
    assert abuse.limits("proposal") == (3, 10)
    for _ in range(3):
        _submit(world, ana)
    with pytest.raises(services.RateLimited, match="at most 3"):
        _submit(world, ana)
    assert Proposal.objects.count() == 3
    # an hour later the account may send again: the window is counted from the rows
    Proposal.objects.update(created_at=timezone.now() - timedelta(seconds=3601))
    _submit(world, ana)


def test_one_connection_sends_at_most_ten_proposals_an_hour(world, citizen_of):
    people = [citizen_of(f"n{n}@example.net") for n in range(4)]
    for n in range(10):
        _submit(world, people[n // 3], client_hash="same-connection")
    with pytest.raises(services.RateLimited, match="one connection"):
        _submit(world, people[3], client_hash="same-connection")
    _submit(world, people[3], client_hash="another-connection")


def test_comment_and_support_floods_are_limited_per_account(world, ana, citizen_of, settings):
    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "PARTICIPATION_LIMITS": {"comment": (2, 30), "support": (2, 60)},
    }
    proposals = [published(world, ana, title=f"Proposal number {n}") for n in range(3)]
    bea = citizen_of("bea@example.net")
    for n in range(2):
        services.comment_submit(actor=bea, proposal=proposals[0], body=f"Yes {n}", language="en")
    with pytest.raises(services.RateLimited):
        services.comment_submit(actor=bea, proposal=proposals[0], body="Yes 3", language="en")
    services.support_add(actor=bea, proposal=proposals[0])
    services.support_withdraw(actor=bea, proposal=proposals[0])
    services.support_add(actor=bea, proposal=proposals[0])  # toggling counts too
    with pytest.raises(services.RateLimited):
        services.support_add(actor=bea, proposal=proposals[1])
    assert Comment.objects.count() == 2 and Support.objects.count() == 2


# --- duplicate accounts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("Ana.Lopez+news@GoogleMail.com", "analopez@gmail.com"),
        ("a.n.a.lopez@gmail.com", "analopez@gmail.com"),
        ("ana.lopez+x@example.es", "ana.lopez@example.es"),
        ("ANA@Example.ES", "ana@example.es"),
    ],
)
def test_addresses_are_normalised_to_one_mailbox(address, key):
    assert abuse.email_key(address) == key


def test_another_spelling_of_a_mailbox_cannot_sign_up_again(world, citizen_of):
    citizen_of("ana.lopez@gmail.com")
    before = Person.objects.count()
    response = Client().post(
        reverse("participation:signup"),
        {
            "email": "A.NA.lopez+2@googlemail.com",
            "display_name": "Second Ana",
            "language": "en",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )
    # No second account; the page answers as for a new sign-up (it never says an address has
    # an account) and the mailbox is told someone tried (test_signup_enumeration.py).
    assert Person.objects.count() == before
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert [m.subject for m in mail.outbox][-1].endswith(
        "Someone tried to register with your e-mail address"
    )


# --- vote stuffing ---------------------------------------------------------------------------


def test_three_supports_from_one_connection_and_domain_within_a_minute_are_held(
    world, ana, citizen_of
):
    proposal = published(world, ana)
    for n in range(2):
        services.support_add(
            actor=citizen_of(f"s{n}@stuff.example"), proposal=proposal, client_hash="one"
        )
    assert services.support_count(proposal) == 2
    services.support_add(actor=citizen_of("s2@stuff.example"), proposal=proposal, client_hash="one")
    statuses = list(proposal.supports.values_list("status", flat=True))
    assert statuses == [SupportStatus.HELD] * 3
    assert services.support_count(proposal) == 0
    # staff review: counted ones come back into the count, rejected ones never do
    staff = world.principal("staff")
    held = list(selectors.moderation_queue(viewer=staff)["supports"])
    assert len(held) == 3
    services.support_review(actor=staff, support=held[0], decision="count")
    services.support_review(actor=staff, support=held[1], decision="reject")
    assert services.support_count(proposal) == 1
    with pytest.raises(Http404):  # another unit's moderator
        services.support_review(
            actor=world.principal("outsider"), support=held[2], decision="count"
        )


def test_the_rule_needs_one_connection_one_domain_and_one_minute(world, ana, citizen_of):
    proposal = published(world, ana)
    # one connection, three domains: counted
    for n, domain in enumerate(["a.example", "b.example", "c.example"]):
        services.support_add(
            actor=citizen_of(f"d{n}@{domain}"), proposal=proposal, client_hash="one"
        )
    # one domain, three connections: counted
    for n in range(3):
        services.support_add(
            actor=citizen_of(f"c{n}@same.example"), proposal=proposal, client_hash=f"conn-{n}"
        )
    # one connection and one domain, but more than a minute apart: counted
    services.support_add(actor=citizen_of("t0@slow.example"), proposal=proposal, client_hash="x")
    services.support_add(actor=citizen_of("t1@slow.example"), proposal=proposal, client_hash="x")
    Support.objects.filter(email_domain="slow.example").update(
        created_at=timezone.now() - timedelta(seconds=61)
    )
    services.support_add(actor=citizen_of("t2@slow.example"), proposal=proposal, client_hash="x")
    assert services.support_count(proposal) == 9
    assert not Support.objects.filter(status=SupportStatus.HELD).exists()


# --- spam ------------------------------------------------------------------------------------


def test_links_are_limited(world, ana):
    with pytest.raises(ValidationError) as error:
        _submit(world, ana, title="Visit www.cheap-pills.example now")
    assert "title" in error.value.message_dict
    three = "See https://a.example/1 and https://a.example/2 and https://a.example/3 for more."
    with pytest.raises(ValidationError) as error:
        _submit(world, ana, body=three)
    assert "body" in error.value.message_dict
    _submit(world, ana, body="See https://a.example/1 and https://a.example/2 for the details.")


# --- personal data in public text ------------------------------------------------------------

EN_TEXT = (
    "My neighbour (john.smith@example.co.uk, call 07700 900123 or +44 20 7946 0958) "
    "was refused; his passport 123456789 was not accepted."
)
ES_TEXT = (
    "Mi vecina María García López (maria.garcia@correo.es, 612 345 678) no pudo; su DNI es "
    "12345678Z y el NIE de su marido X1234567L."
)
EN_SECRETS = ["john.smith@example.co.uk", "07700 900123", "7946 0958", "123456789"]
ES_SECRETS = ["maria.garcia@correo.es", "612 345 678", "12345678Z", "X1234567L"]


@pytest.mark.parametrize(
    ("language", "text", "secrets", "ids"),
    [("en", EN_TEXT, EN_SECRETS, 1), ("es", ES_TEXT, ES_SECRETS, 2)],
)
def test_personal_data_is_redacted_before_storage(world, ana, language, text, secrets, ids):
    proposal = _submit(world, ana, body=text, language=language)
    stored = Proposal.objects.get(pk=proposal.pk)
    for secret in secrets:
        assert secret not in stored.body
    assert "[EMAIL]" in stored.body and "[PHONE]" in stored.body
    assert stored.redaction_counts["EMAIL"] == 1
    assert stored.redaction_counts["ID"] == ids


def test_a_display_name_holds_no_contact_details(world):
    for name in ("ana@example.net", "Ana 612 345 678", "Ana 12345678Z"):
        with pytest.raises(ValidationError) as error:
            services.display_name_check(name)
        assert "display_name" in error.value.message_dict
    assert services.display_name_check("  Vecina   del norte ") == "Vecina del norte"
