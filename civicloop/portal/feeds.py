"""Atom feeds, one per kind of public object (django.contrib.syndication). Each item links to
the object's stable page; the feeds read the same public selectors as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from civicloop.market import selectors as market_selectors
from civicloop.portal import selectors
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors as scaling_selectors

FEED_ITEMS = 50


class _PortalFeed(Feed):
    feed_type = Atom1Feed
    list_route = ""

    def link(self) -> str:
        return reverse(self.list_route)

    def item_link(self, item: Any) -> str:
        raise NotImplementedError


class ChallengeFeed(_PortalFeed):
    list_route = "portal:challenges"

    def title(self) -> str:
        return _("Open challenges for startups")

    def subtitle(self) -> str:
        return _("Calls for solutions that are in consultation or open for proposals.")

    def items(self) -> list[Any]:
        return list(market_selectors.challenge_list_open_public()[:FEED_ITEMS])

    def item_title(self, item: Any) -> str:
        return item.title

    def item_description(self, item: Any) -> str:
        return item.summary

    def item_link(self, item: Any) -> str:
        return reverse("portal:challenge", args=[item.pk])

    def item_pubdate(self, item: Any) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Any) -> datetime:
        return item.updated_at


class ProblemFeed(_PortalFeed):
    list_route = "portal:problems"

    def title(self) -> str:
        return _("Problems we are tackling")

    def subtitle(self) -> str:
        return _("Problems transformation units chose to publish.")

    def items(self) -> list[Any]:
        return list(portfolio_selectors.problem_list_public()[:FEED_ITEMS])

    def item_title(self, item: Any) -> str:
        return item.title

    def item_description(self, item: Any) -> str:
        return item.statement

    def item_link(self, item: Any) -> str:
        return reverse("portal:problem", args=[item.pk])

    def item_pubdate(self, item: Any) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Any) -> datetime:
        return item.updated_at


class ResultFeed(_PortalFeed):
    list_route = "portal:results"

    def title(self) -> str:
        return _("You said, we did")

    def subtitle(self) -> str:
        return _("What citizens said, what was tried and what it changed.")

    def items(self) -> list[Any]:
        return list(selectors.summary_list_public()[:FEED_ITEMS])

    def item_title(self, item: Any) -> str:
        return item.title

    def item_description(self, item: Any) -> str:
        return " ".join(p for p in (item.said, item.tried, item.changed) if p)

    def item_link(self, item: Any) -> str:
        return reverse("portal:result", args=[item.pk])

    def item_pubdate(self, item: Any) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Any) -> datetime:
        return item.updated_at


class AwardFeed(_PortalFeed):
    list_route = "portal:awards"

    def title(self) -> str:
        return _("Awarded contracts")

    def subtitle(self) -> str:
        return _("Who won each challenge, for how much and why.")

    def items(self) -> list[Any]:
        return list(market_selectors.award_list_published()[:FEED_ITEMS])

    def item_title(self, item: Any) -> str:
        return _("%(challenge)s: awarded to %(winner)s") % {
            "challenge": item.challenge.title,
            "winner": item.proposal.vendor.name,
        }

    def item_description(self, item: Any) -> str:
        return item.rationale

    def item_link(self, item: Any) -> str:
        return reverse("portal:award", args=[item.pk])

    def item_pubdate(self, item: Any) -> datetime:
        return item.decided_at


class SandboxFeed(_PortalFeed):
    list_route = "portal:sandboxes"

    def title(self) -> str:
        return _("Regulatory sandbox registry")

    def subtitle(self) -> str:
        return _("Time-boxed tests of services that current rules do not allow.")

    def items(self) -> list[Any]:
        return list(scaling_selectors.sandbox_public_list()[:FEED_ITEMS])

    def item_title(self, item: Any) -> str:
        return item.title

    def item_description(self, item: Any) -> str:
        return item.public_summary

    def item_link(self, item: Any) -> str:
        return reverse("portal:sandbox", args=[item.slug])

    def item_pubdate(self, item: Any) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Any) -> datetime:
        return item.updated_at
