"""schema.org JSON-LD for each public object (embedded in its page as
`<script type="application/ld+json">`). Only what the page itself shows."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from civicloop.market.models import Award, Challenge
from civicloop.market.selectors import PublicAward
from civicloop.portal.exports import challenge_budget
from civicloop.portal.models import PublicSummary
from civicloop.portfolio.models import Problem
from civicloop.scaling.models import Sandbox

CONTEXT = "https://schema.org"


def _org(name: str) -> dict[str, str]:
    return {"@type": "GovernmentOrganization", "name": name}


def challenge_ld(challenge: Challenge, base: str) -> dict[str, Any]:
    """A challenge is a public announcement that a unit seeks a solution: schema.org Demand."""
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Demand",
        "@id": base + reverse("portal:challenge", args=[challenge.pk]),
        "url": base + reverse("portal:challenge", args=[challenge.pk]),
        "name": challenge.title,
        "description": challenge.summary,
        "seller": _org(challenge.unit.name),
        "priceSpecification": {
            "@type": "PriceSpecification",
            "maxPrice": str(challenge_budget(challenge)),
            "priceCurrency": challenge.currency,
        },
    }
    if challenge.submission_deadline:
        data["availabilityEnds"] = challenge.submission_deadline.isoformat()
    if challenge.published_at:
        data["availabilityStarts"] = challenge.published_at.isoformat()
    return data


def challenge_page_ld(challenge: Challenge, awards: list[PublicAward], base: str) -> dict[str, Any]:
    """The challenge's page: its Demand and, once awarded, one BuyAction per award (winner,
    amount, rationale, decision date) whose `object` is that Demand, as one `@graph`. The
    standstill end has no schema.org term: it is on the page only."""
    demand = challenge_ld(challenge, base)
    if not awards:
        return demand
    demand.pop("@context")
    actions = [
        {
            "@type": "BuyAction",
            "@id": base + reverse("portal:award", args=[a.pk]),
            "url": base + reverse("portal:award", args=[a.pk]),
            "object": {"@id": demand["@id"]},
            "description": a.rationale,
            "agent": _org(challenge.unit.name),
            "seller": {"@type": "Organization", "name": a.vendor_name},
            "price": str(a.amount),
            "priceCurrency": a.currency,
            "endTime": a.decided_at.isoformat(),
            "actionStatus": "CompletedActionStatus",
        }
        for a in awards
    ]
    return {"@context": CONTEXT, "@graph": [demand, *actions]}


def problem_ld(problem: Problem, base: str, stage_label: str) -> dict[str, Any]:
    url = base + reverse("portal:problem", args=[problem.pk])
    return {
        "@context": CONTEXT,
        "@type": "CreativeWork",
        "@id": url,
        "url": url,
        "name": problem.title,
        "text": problem.statement,
        "creativeWorkStatus": stage_label,
        "publisher": _org(problem.unit.name),
        "datePublished": problem.published_at.isoformat() if problem.published_at else None,
        "audience": [
            {"@type": "Audience", "audienceType": group.name}
            for group in problem.target_groups.all()
        ],
    }


def summary_ld(summary: PublicSummary, base: str) -> dict[str, Any]:
    url = base + reverse("portal:result", args=[summary.pk])
    body = " ".join(p for p in (summary.said, summary.tried, summary.changed) if p)
    return {
        "@context": CONTEXT,
        "@type": "Report",
        "@id": url,
        "url": url,
        "headline": summary.title,
        "articleBody": body,
        "about": {"@type": "GovernmentService", "name": summary.service_name},
        "publisher": _org(summary.unit.name),
        "datePublished": summary.published_at.isoformat() if summary.published_at else None,
        "dateModified": summary.updated_at.isoformat(),
    }


def award_ld(award: Award, base: str) -> dict[str, Any]:
    """An award: the unit buys a service from the winning company (schema.org BuyAction)."""
    url = base + reverse("portal:award", args=[award.pk])
    return {
        "@context": CONTEXT,
        "@type": "BuyAction",
        "@id": url,
        "url": url,
        "name": award.challenge.title,
        "description": award.rationale,
        "agent": _org(award.challenge.unit.name),
        "seller": {"@type": "Organization", "name": award.proposal.vendor.name},
        "price": str(award.amount),
        "priceCurrency": award.currency,
        "endTime": award.decided_at.isoformat(),
        "actionStatus": "CompletedActionStatus",
    }


def sandbox_ld(sandbox: Sandbox, base: str) -> dict[str, Any]:
    url = base + reverse("portal:sandbox", args=[sandbox.slug])
    end = sandbox.extended_until or sandbox.ends_on
    period = f"{sandbox.starts_on.isoformat() if sandbox.starts_on else '..'}/"
    period += end.isoformat() if end else ".."
    return {
        "@context": CONTEXT,
        "@type": "CreativeWork",
        "@id": url,
        "url": url,
        "name": sandbox.title,
        "description": sandbox.public_summary,
        "publisher": _org(sandbox.unit.name),
        "temporalCoverage": period,
        "creativeWorkStatus": sandbox.get_status_display(),
    }


def list_ld(name: str, url: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A list page: schema.org ItemList of its items' URLs."""
    return {
        "@context": CONTEXT,
        "@type": "ItemList",
        "name": name,
        "url": url,
        "itemListElement": [
            {"@type": "ListItem", "position": i, "url": item["url"], "name": item["name"]}
            for i, item in enumerate(items, start=1)
        ],
    }
