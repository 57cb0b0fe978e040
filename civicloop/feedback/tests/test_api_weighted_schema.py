"""Schemathesis drives `GET /surveys/{id}/scores` from its OpenAPI description: the weighted
figures keep to the documented schema (strict JSON, no NaN), refusals are problem+json."""

import pytest
import schemathesis
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
)

from civicloop.core.tests.api_schema import drive
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
    path = {"survey_id": weighted_survey.pk} if mode == GenerationMode.POSITIVE else None
    own = str(weighted_survey.pk)

    def keep(case, response):
        if response.status_code < 400:
            assert len(_strict(response)["weighted"]) == 1
        # the real object, hit by chance in negative mode, is not counted
        return path is not None or str(case.path_parameters.get("survey_id")) != own

    statuses = drive(
        schema,
        PATH,
        "GET",
        mode=mode,
        headers={"Authorization": f"Bearer {world.api_key(scope='read')}"},
        path_parameters=path,
        checks=[response_schema_conformance, check],
        keep=keep,
    )
    if mode == GenerationMode.POSITIVE:
        assert statuses == {200}
    else:
        # An unknown `by` or a survey id that is not an integer: 422; someone else's or no
        # survey: 404.
        assert 422 in statuses and statuses <= {404, 422}
