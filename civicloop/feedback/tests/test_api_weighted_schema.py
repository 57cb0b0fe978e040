"""Schemathesis drives `GET /surveys/{id}/scores` from its OpenAPI description: the weighted
figures keep to the documented schema (strict JSON, no NaN), refusals are problem+json."""

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

from civicloop.feedback.tests.test_api_weighted import _strict
from civicloop.feedback.tests.test_weighted import weighted_survey  # noqa: F401

pytestmark = pytest.mark.django_db
PATH = "/api/v1/surveys/{survey_id}/scores"


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        (GenerationMode.POSITIVE, positive_data_acceptance),
        (GenerationMode.NEGATIVE, negative_data_rejection),
    ],
)
def test_operation_keeps_to_its_openapi_description(world, weighted_survey, mode, check, wsgi_app):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operation = schema[PATH]["GET"]
    auth = {"Authorization": f"Bearer {world.api_key(scope='read')}"}
    path = {"survey_id": weighted_survey.pk} if mode == GenerationMode.POSITIVE else None
    statuses: set[int] = set()
    own = str(weighted_survey.pk)

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
        else:
            assert len(_strict(response)["weighted"]) == 1
        if path is None and str(case.path_parameters.get("survey_id")) == own:
            return  # the real object, hit by chance in negative mode
        statuses.add(response.status_code)

    call()
    if mode == GenerationMode.POSITIVE:
        assert statuses == {200}
    else:
        # An unknown `by` or a survey id that is not an integer: 422; someone else's or no
        # survey: 404.
        assert 422 in statuses and statuses <= {404, 422}
