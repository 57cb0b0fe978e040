"""The public portal: no sign-in, cacheable, nothing unpublished or personal.

Every view reads public selectors only (published problems, published challenges and their
awards, the agreed sandboxes of the registry, published summaries) and renders a template that
extends `portal/base.html`, which reads no session and sets no cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from civicloop.market import selectors as market_selectors
from civicloop.market.models import ChallengeStatus
from civicloop.portal import jsonld, selectors
from civicloop.portal.exports import challenge_budget
from civicloop.portal.views._common import base_url, ld_script, public_page
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Stage
from civicloop.scaling import selectors as scaling_selectors
from civicloop.web.pagination import page_of

STAGES = dict(Stage.choices)


def _problem_kpis(problem):
    return [(kpi, portfolio_selectors.kpi_status(kpi)) for kpi in problem.kpis.all()]


def _list_page(
    request: HttpRequest,
    *,
    template: str,
    title: str,
    route: str,
    key: str,
    items: QuerySet[Any],
    item_ld: Callable[[Any, str], dict[str, Any]],
    per_page: Callable[[list[Any]], dict[str, Any]] | None = None,
    **extra: Any,
) -> HttpResponse:
    """A public list page: a page of its items under `key` (50 a page, `page` says which) and
    an ItemList JSON-LD of them; `per_page` adds context computed from the page's items."""
    page = page_of(request, items)
    shown = list(page.object_list)
    base = base_url(request)
    ld = jsonld.list_ld(title, base + reverse(route), [item_ld(item, base) for item in shown])
    context = {"page_title": title, key: shown, "page": page, "ld": ld_script(ld), **extra}
    if per_page is not None:
        context.update(per_page(shown))
    return render(request, template, context)


@public_page
def home(request: HttpRequest) -> HttpResponse:
    home = selectors.portal_home()
    return render(
        request,
        "portal/home.html",
        {
            "page_title": _("Public portal"),
            "home": home,
            "budgets": {c.pk: challenge_budget(c) for c in home.challenges},
            "stages": STAGES,
        },
    )


@public_page
def challenge_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        template="portal/challenges.html",
        title=_("Open challenges for startups"),
        route="portal:challenges",
        key="challenges",
        items=market_selectors.challenge_list_open_public(),
        item_ld=jsonld.challenge_ld,
        per_page=lambda shown: {"budgets": {c.pk: challenge_budget(c) for c in shown}},
    )


@public_page
def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = market_selectors.challenge_get_public(pk=pk)
    phases = list(challenge.phases.all())
    # Public once the challenge is awarded (every phase settled), never before.
    awards = market_selectors.award_list_public(challenge=challenge)
    closes = challenge.consultation_closes_at
    return render(
        request,
        "portal/challenge.html",
        {
            "page_title": challenge.title,
            "challenge": challenge,
            "phases": phases,
            "budget": challenge_budget(challenge),
            "awards": awards,
            "consultation_closed": closes is not None and closes <= timezone.now(),
            "takes_part": challenge.status in (ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN),
            "ld": ld_script(jsonld.challenge_page_ld(challenge, awards, base_url(request))),
        },
    )


@public_page
def problem_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        template="portal/problems.html",
        title=_("Problems we are tackling"),
        route="portal:problems",
        key="problems",
        items=portfolio_selectors.problem_list_public(),
        item_ld=lambda p, base: jsonld.problem_ld(p, base, str(STAGES[p.stage])),
        stages=STAGES,
    )


@public_page
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = portfolio_selectors.problem_get_public(pk=pk)
    return render(
        request,
        "portal/problem.html",
        {
            "page_title": problem.title,
            "problem": problem,
            "kpis": _problem_kpis(problem),
            "stage": STAGES[problem.stage],
            "ld": ld_script(
                jsonld.problem_ld(problem, base_url(request), str(STAGES[problem.stage]))
            ),
        },
    )


@public_page
def result_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        template="portal/results.html",
        title=_("You said, we did"),
        route="portal:results",
        key="summaries",
        items=selectors.summary_list_public(),
        item_ld=lambda s, base: {**jsonld.summary_ld(s, base), "name": s.title},
    )


@public_page
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    summary = selectors.summary_get_public(pk=pk)
    return render(
        request,
        "portal/result.html",
        {
            "page_title": summary.title,
            "summary": summary,
            "ld": ld_script(jsonld.summary_ld(summary, base_url(request))),
        },
    )


@public_page
def award_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        template="portal/awards.html",
        title=_("Awarded contracts"),
        route="portal:awards",
        key="awards",
        items=market_selectors.award_list_published(),
        item_ld=jsonld.award_ld,
    )


@public_page
def award_detail(request: HttpRequest, pk: int) -> HttpResponse:
    award = market_selectors.award_get_public(pk=pk)
    return render(
        request,
        "portal/award.html",
        {
            "page_title": award.challenge.title,
            "award": award,
            "ld": ld_script(jsonld.award_ld(award, base_url(request))),
        },
    )


@public_page
def sandbox_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        template="portal/sandboxes.html",
        title=_("Regulatory sandbox registry"),
        route="portal:sandboxes",
        key="sandboxes",
        items=scaling_selectors.sandbox_public_list(),
        item_ld=jsonld.sandbox_ld,
    )


@public_page
def sandbox_detail(request: HttpRequest, slug: str) -> HttpResponse:
    sandbox = scaling_selectors.sandbox_public_get(slug=slug)
    return render(
        request,
        "portal/sandbox.html",
        {
            "page_title": sandbox.title,
            "sandbox": sandbox,
            "ld": ld_script(jsonld.sandbox_ld(sandbox, base_url(request))),
        },
    )


def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the portal's language with a plain link (no form, no CSRF cookie), back to
    `next` on this site. The choice is kept in Django's language cookie."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("portal:home")
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        translation.activate(code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    response["Cache-Control"] = "no-store"
    return response
