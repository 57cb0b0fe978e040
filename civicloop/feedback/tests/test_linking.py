"""Responses link to their own unit's service and iteration, also when tagged before it exists."""

from __future__ import annotations

import pytest

from civicloop.experiments.tests import factories as xf
from civicloop.feedback import selectors, services
from civicloop.feedback.models import Response


@pytest.mark.django_db
def test_feedback_sent_before_the_iteration_is_linked_once_it_exists(world, survey):
    staff = world.principal("staff")
    for i in range(3):
        services.response_submit(
            survey=survey,
            answers={"satisfaction": 5},
            channel="api",
            iteration_key="licence-renewals-1",
            client=f"c{i}",
        )
    assert not Response.objects.filter(iteration__isnull=False).exists()
    # Unit B records a service of the same name first: it must not collect unit A's responses.
    outsider = world.principal("outsider")
    b_iteration = xf.iteration(
        outsider, xf.service(outsider, world.other_unit, world.other_unit_agency)
    )
    assert services.responses_link_pending() == 0
    iteration = xf.iteration(staff, xf.service(staff, world.unit, world.agency))
    assert services.responses_link_pending() == 3
    assert selectors.iteration_feedback(viewer=staff, iteration=iteration).n == 3
    assert selectors.iteration_feedback(viewer=outsider, iteration=b_iteration).n == 0
    assert services.responses_link_pending() == 0
