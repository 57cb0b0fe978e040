"""Builders for market tests: real services, so tests exercise the rules users rely on."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

from django.utils import timezone
from pypdf import PdfWriter

from civicloop.core.models import Organization, Person, Role
from civicloop.core.permissions import principal_for_person
from civicloop.core.tests.factories import CompanyFactory, MembershipFactory, PersonFactory
from civicloop.market import services
from civicloop.market.models import Challenge, ChallengeStatus, Contract, Phase, Proposal

CANARY = "CANARY-SEALED-7f3a9c"
RIVAL_CANARY = "RIVAL-SEALED-41b2d8"


def _tiny_pdf() -> bytes:
    # A real one-page PDF: anonymous calls rewrite attachments (metadata removal), which needs
    # a file a PDF reader can open.
    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


PDF_BYTES = _tiny_pdf()


def open_challenge(
    world,
    *,
    anonymous: bool = False,
    title: str = "Faster licence renewals",
    budget: Decimal = Decimal("50000"),
) -> tuple[Challenge, Phase]:
    staff = world.principal("staff")
    challenge = services.challenge_create(
        actor=staff,
        unit=world.unit,
        title=title,
        context="<p>Shopkeepers queue at the counter to renew trading licences.</p>",
        outcomes_sought="Half of renewals online within a year.",
        anonymous_evaluation=anonymous,
        submission_deadline=timezone.now() + timedelta(days=14),
    )
    phase = services.phase_set(
        actor=staff, challenge=challenge, kind="feasibility", budget=budget, awards_count=1
    )
    services.criteria_set(
        actor=staff,
        challenge=challenge,
        criteria=[
            services.CriterionSpec("Understanding of the problem", 40, 10),
            services.CriterionSpec("Feasibility", 35, 10),
            services.CriterionSpec("Value for money", 25, 5),
        ],
    )
    services.challenge_move(actor=staff, challenge=challenge, to_status=ChallengeStatus.OPEN)
    return challenge, phase


@dataclass
class Rival:
    company: Organization
    person: Person


def rival_vendor(name: str = "Rival Systems SA", slug: str = "rival") -> Rival:
    company = CompanyFactory.create(name=name, slug=slug, sme_size="large")
    person = PersonFactory.create(email=f"{slug}@example.org")
    MembershipFactory.create(person=person, organization=company, role=Role.VENDOR)
    return Rival(company, person)


def submit(
    world_or_person,
    challenge: Challenge,
    phase: Phase,
    vendor: Organization,
    text: str,
    price: Decimal = Decimal("40000"),
) -> Proposal:
    person = (
        world_or_person if isinstance(world_or_person, Person) else world_or_person.people["vendor"]
    )
    return services.proposal_submit(
        actor=principal_for_person(person),
        challenge=challenge,
        phase=phase,
        vendor=vendor,
        content=f"Our approach: {text}. We will interview shopkeepers and build a prototype.",
        price=price,
    )


def close_submissions(challenge: Challenge, *, world=None) -> Challenge:
    """Let time pass the deadline and start evaluation.

    Tests move time by dating the published deadline (and with it the high-water mark
    `sealed_until`, which must equal it) into the past, as if it had always been there."""
    past = timezone.now() - timedelta(minutes=1)
    Challenge.objects.filter(pk=challenge.pk).update(submission_deadline=past, sealed_until=past)
    challenge.refresh_from_db()
    if world is not None:
        services.challenge_move(
            actor=world.principal("staff"),
            challenge=challenge,
            to_status=ChallengeStatus.EVALUATION,
        )
        challenge.refresh_from_db()
    return challenge


def awarded_contract(world, market) -> Contract:
    """Close the market fixture's call, award the world vendor's proposal and sign its contract."""
    staff = world.principal("staff")
    close_submissions(market.challenge, world=world)
    award = services.award_decide(
        actor=staff,
        proposal=market.proposal,
        amount=Decimal("40000"),
        rationale="The clearest plan for shopkeepers, costed in detail.",
    )
    today = timezone.localdate()
    return services.contract_sign(
        actor=staff,
        award=award,
        title="Online licence renewals pilot",
        value=Decimal("40000"),
        signed_on=today,
        starts_on=today,
        ends_on=today + timedelta(days=180),
    )


class _FormReader(HTMLParser):
    """Collects the values a browser would submit from the first form with a given field."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._form: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {}
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._form[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._form.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def form_values(html: str, containing: str) -> dict[str, str]:
    """What submitting the page's form that has the field `containing` unchanged would send."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return next(f for f in reader.forms if containing in f)


def declare_no_conflict(world, *proposals: Proposal, role: str = "evaluator") -> None:
    """The evaluator declares no conflict of interest, as they must before a proposal opens for
    them (issue 15)."""
    for proposal in proposals:
        services.conflict_declare(
            actor=world.principal(role), proposal=proposal, has_conflict=False
        )
