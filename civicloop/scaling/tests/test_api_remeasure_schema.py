"""Schemathesis drives `POST /scaling/plans/{pk}/replications/remeasure` from its OpenAPI
description: answered as documented, no server error, problem+json for every refusal."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
)

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
    operation = schema[PATH]["POST"]
    auth = {"Authorization": f"Bearer {world.api_key()}"}
    path = {"pk": scaled["plan"].pk} if mode == GenerationMode.POSITIVE else None
    statuses: set[int] = set()
    own = str(scaled["plan"].pk)

    @given(case=operation.as_strategy(mode, path_parameters=path))
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        response = case.call_and_validate(
            headers=auth,
            checks=[
                not_a_server_error,
                response_schema_conformance,
                content_type_conformance,
                check,
            ],
        )
        if response.status_code >= 400:
            assert response.headers["content-type"] == ["application/problem+json"]
        if path is None and str(case.path_parameters.get("pk")) == own:
            return  # the real object, hit by chance in negative mode
        statuses.add(response.status_code)

    call()
    if mode == GenerationMode.POSITIVE:
        assert statuses == {200}
    else:
        # A plan id that is not an integer is refused (422); any integer but the plan's is
        # no plan of yours (404), however large.
        assert 422 in statuses and statuses <= {404, 422}
