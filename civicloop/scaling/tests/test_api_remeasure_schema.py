"""Schemathesis drives `POST /scaling/plans/{pk}/replications/remeasure` from its OpenAPI
description: answered as documented, no server error, problem+json for every refusal."""

import pytest
import schemathesis
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
)

from civicloop.core.tests.api_schema import drive
from civicloop.scaling.tests.test_api_remeasure import linked  # noqa: F401
from civicloop.scaling.tests.test_replication_measured import (  # noqa: F401
    _snapshot,
    site_experiment,
)

pytestmark = pytest.mark.django_db
PATH = "/api/v1/scaling/plans/{pk}/replications/remeasure"


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        (GenerationMode.POSITIVE, positive_data_acceptance),
        (GenerationMode.NEGATIVE, negative_data_rejection),
    ],
)
def test_operation_keeps_to_its_openapi_description(
    world,
    scaled,
    site_experiment,  # noqa: F811
    linked,  # noqa: F811
    mode,
    check,
    wsgi_app,
):
    _snapshot(site_experiment, -0.052, 0.016)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    path = {"pk": scaled["plan"].pk} if mode == GenerationMode.POSITIVE else None
    own = str(scaled["plan"].pk)
    statuses = drive(
        schema,
        PATH,
        "POST",
        mode=mode,
        headers={"Authorization": f"Bearer {world.api_key()}"},
        path_parameters=path,
        checks=[response_schema_conformance, check],
        # the real object, hit by chance in negative mode, is not counted
        keep=lambda case, _: path is not None or str(case.path_parameters.get("pk")) != own,
    )
    if mode == GenerationMode.POSITIVE:
        assert statuses == {200}
    else:
        # A plan id that is not an integer is refused (422); any integer but the plan's is
        # no plan of yours (404), however large.
        assert 422 in statuses and statuses <= {404, 422}
