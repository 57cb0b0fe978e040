"""The public page of a challenge: its phases with the right plural, the consultation's
closing date, and once awarded its winners with amount, rationale and standstill end."""

from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.utils import timezone


def test_a_phase_with_one_award_says_award_in_the_singular(demo):
    from civicloop.market.models import Challenge

    public = [
        c
        for c in Challenge.objects.all()
        if Client().get(f"/public/challenges/{c.pk}/").status_code == 200
    ]
    challenge = public[0]
    phase = challenge.phases.first()
    assert phase is not None
    phase.awards_count = 1
    phase.save()
    html = Client().get(f"/public/challenges/{challenge.pk}/").content.decode()
    assert "up to 1 award" in html and "up to 1 awards" not in html
    phase.awards_count = 3
    phase.save()
    html = Client().get(f"/public/challenges/{challenge.pk}/").content.decode()
    assert "up to 3 awards" in html


# --- an awarded challenge names its winners; the consultation says when it closes ----------


def _page(path: str, language: str) -> str:
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, path
    return response.content.decode()


def _ld(html: str) -> dict:
    import json

    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize(
    ("language", "amount", "standstill"),
    [("en", "28,000.00 EUR", "Standstill period ends"), ("es", "28\xa0000,00 EUR", "suspensi")],
)
def test_an_awarded_challenge_names_each_winner_amount_rationale_and_standstill_end(
    demo, language, amount, standstill
):
    from django.utils import formats, translation

    from civicloop.market.models import Award, Proposal

    challenge = demo["market"]["awarded_challenge"]
    award = Award.objects.get(challenge=challenge)
    html = _page(f"/public/challenges/{challenge.pk}/", language)
    assert award.proposal.vendor.name in html
    assert amount in html
    assert award.rationale in html
    assert standstill in html
    # Independent reference: the decision's UTC date plus the 10 days of Directive 2007/66/EC.
    ends = (award.decided_at.astimezone(UTC) + timedelta(days=10)).date()
    with translation.override(language):
        assert formats.date_format(ends, "j M Y") in html
        assert formats.date_format(timezone.localtime(award.decided_at), "j M Y") in html
    # Losing bidders are not named on the public page.
    for lost in Proposal.objects.filter(challenge=challenge).exclude(pk=award.proposal_id):
        assert lost.vendor.name not in html
    # The page's JSON-LD carries the same award, tied to the challenge.
    graph = _ld(html)["@graph"]
    demand, action = graph[0], graph[1]
    assert demand["@type"] == "Demand" and len(graph) == 2
    assert action["@type"] == "BuyAction" and action["object"] == {"@id": demand["@id"]}
    assert action["seller"]["name"] == award.proposal.vendor.name
    assert (action["price"], action["priceCurrency"]) == ("28000.00", "EUR")
    assert action["description"] == award.rationale


def test_awards_stay_off_the_public_page_until_the_challenge_is_awarded(demo):
    from civicloop.market.models import Award, ChallengeStatus

    challenge = demo["market"]["awarded_challenge"]
    award = Award.objects.get(challenge=challenge)
    type(challenge).objects.filter(pk=challenge.pk).update(status=ChallengeStatus.EVALUATION)
    html = _page(f"/public/challenges/{challenge.pk}/", "en")
    assert award.rationale not in html and award.proposal.vendor.name not in html
    assert "@graph" not in html


@pytest.mark.parametrize(
    ("language", "closes", "closed"),
    [("en", "Closes on", "Closed on"), ("es", "Se cierra el", "Se cerró el")],
)
def test_the_consultation_closing_date_is_on_the_public_page(demo, language, closes, closed):
    from django.utils import formats, translation

    from civicloop.market.models import Challenge

    challenge = demo["market"]["consultation_challenge"]
    when = challenge.consultation_closes_at
    assert when is not None  # the demo's consultation has a closing date
    path = f"/public/challenges/{challenge.pk}/"
    with translation.override(language):
        shown = formats.date_format(timezone.localtime(when), "j M Y")
    html = _page(path, language)
    assert f"{closes} {shown}" in html and closed not in html
    Challenge.objects.filter(pk=challenge.pk).update(
        consultation_closes_at=timezone.now() - timedelta(days=2)
    )
    past = timezone.now() - timedelta(days=2)
    with translation.override(language):
        shown = formats.date_format(timezone.localtime(past), "j M Y")
    assert f"{closed} {shown}" in _page(path, language)
