"""Follow / Stop following on an iteration's page and a sandbox's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicloop.experiments.tests import factories as experiments
from civicloop.notifications.models import Follow
from civicloop.portfolio.tests.factories import ProblemFactory
from civicloop.scaling import services as scaling

FOLLOW = reverse("notifications:follow")
BUTTON = reverse("notifications:follow_button")


def _iteration(world):
    staff = world.principal("staff")
    return experiments.iteration(staff, experiments.service(staff, world.unit, world.agency))


def _sandbox(world):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency, stage="scaling")
    return scaling.sandbox_apply(
        actor=world.principal("staff"),
        unit=world.unit,
        problem=problem,
        title="Pharmacy confirmations",
        public_summary="Pharmacies confirm appointments.",
        regulator="Data Office",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "make", "page"),
    [
        ("iteration", _iteration, "/experiments/iterations/{pk}/"),
        ("sandbox", _sandbox, "/scaling/sandboxes/{pk}/"),
    ],
)
def test_follow_button_renders_follows_and_stops(world, kind, make, page):
    obj = make(world)
    path = page.format(pk=obj.pk)
    client = world.client("auditor" if kind == "iteration" else "staff")
    html = client.get(path).content.decode()
    # the page's own form works without JavaScript; htmx then fetches the stated one
    assert f'action="{FOLLOW}"' in html and 'name="csrfmiddlewaretoken"' in html
    assert f'name="type" value="{kind}"' in html and f'name="id" value="{obj.pk}"' in html
    assert f'hx-get="{BUTTON}?type={kind}&amp;id={obj.pk}' in html

    query = {"type": kind, "id": obj.pk, "next": path}
    button = client.get(BUTTON, query).content.decode()
    assert ">Follow</button>" in button and 'name="follow" value="1"' in button

    response = client.post(FOLLOW, {"type": kind, "id": obj.pk, "follow": "1", "next": path})
    assert response.status_code == 302 and response.url == path
    assert Follow.objects.filter(object_type=f"{obj._meta.label_lower}", object_id=obj.pk).exists()
    button = client.get(BUTTON, query).content.decode()
    assert ">Stop following</button>" in button and 'name="follow" value="0"' in button
    assert "You follow this." in button

    client.post(FOLLOW, {"type": kind, "id": obj.pk, "follow": "0", "next": path})
    assert not Follow.objects.exists()


@pytest.mark.django_db
def test_the_button_speaks_spanish(world):
    iteration = _iteration(world)
    client = world.client("staff")
    button = client.get(
        BUTTON, {"type": "iteration", "id": iteration.pk}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert ">Seguir</button>" in button


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["iteration", "sandbox"])
def test_another_unit_s_object_answers_404_and_follows_nothing(world, kind):
    obj = _iteration(world) if kind == "iteration" else _sandbox(world)
    client = world.client("outsider")  # staff of the other unit
    assert client.get(BUTTON, {"type": kind, "id": obj.pk}).status_code == 404
    assert client.post(FOLLOW, {"type": kind, "id": obj.pk}).status_code == 404
    assert client.get(BUTTON, {"type": "problem", "id": obj.pk}).status_code == 404
    assert not Follow.objects.exists()
