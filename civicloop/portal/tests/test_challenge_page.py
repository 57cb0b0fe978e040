"""The public page of a challenge says its phases with the right plural."""

from django.test import Client


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
