"""The CivicLoop HTTP API, assembled from each app's router."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema

from civicloop.analytics.api import router as analytics_router
from civicloop.core.http import (
    API_AUTH,
    JsonParser,
    document_problems,
    problem_response,
)
from civicloop.core.problems import install_problem_handlers
from civicloop.evidence.api import router as evidence_router
from civicloop.experiments.api import router as experiments_router
from civicloop.feedback.api import router as feedback_router
from civicloop.market.api import router as market_router
from civicloop.market.sealing import SealingKeyUnavailable
from civicloop.notifications.api import router as notifications_router
from civicloop.participation.api import router as participation_router
from civicloop.people.api import router as people_router
from civicloop.portfolio.api import router as portfolio_router
from civicloop.privacy.api import router as privacy_router
from civicloop.scaling.api import router as scaling_router


class CivicLoopAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI description documents every error answer as problem+json."""

    def get_openapi_operation_id(self, operation) -> str:  # type: ignore[no-untyped-def]
        # Generated clients read `list_problems`, not `civicloop_portfolio_api_list_problems`;
        # test_openapi_components pins that every name is unique across the API.
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):  # type: ignore[no-untyped-def]
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_problems(schema)
        return schema


api = CivicLoopAPI(
    title="CivicLoop API",
    version="1",
    description=(
        "Problem → Solutions → Experiments → Evidence → Scale. Authenticate machines with "
        "`Authorization: Bearer <API key>` (keys are scoped to one organisation and to read or "
        "write); browsers use their session and send the `X-CSRFToken` header (the CSRF "
        "cookie's value) with every POST, PUT, PATCH and DELETE. Errors are RFC 9457 "
        "`application/problem+json` naming the field and the rule. Lists take `limit` (at most "
        "200) and `offset`."
    ),
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    parser=JsonParser(),
)
install_problem_handlers(api)


@api.exception_handler(SealingKeyUnavailable)
def _sealing_key_unavailable(request: HttpRequest, exc: SealingKeyUnavailable) -> HttpResponse:
    return problem_response(request, 503, "Sealed content cannot be opened", str(exc))


class Health(Schema):
    status: str
    database: str
    task_queue: str = "ok"
    event_store: str = "ok"


@api.get(
    "/health",
    auth=None,
    response=Health,
    tags=["meta"],
    summary="Liveness: the database, the task queue and the event store",
    openapi_extra={
        "responses": {
            "503": {
                "description": "Something is unavailable (`errors` names it); see `Retry-After`",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        }
    },
)
def health(request: HttpRequest):
    """200 when everything answers; 503 with `Retry-After` naming what is unavailable."""
    from civicloop.core import health as probes
    from civicloop.web.failure import retry_after_seconds

    report = probes.report()
    down = probes.unavailable(report)
    if down:
        return problem_response(
            request,
            503,
            "Service temporarily unavailable",
            "Unavailable: " + ", ".join(down) + ".",
            errors=[{"field": name, "message": "unavailable"} for name in down],
            headers={"Retry-After": str(retry_after_seconds())},
        )
    return {**report, "status": "ok", "database": connection.vendor}


api.add_router("/", portfolio_router)
api.add_router("/", analytics_router)
api.add_router("/", market_router)
api.add_router("/", experiments_router)
api.add_router("/", feedback_router)
api.add_router("/", evidence_router)
api.add_router("/", scaling_router)
api.add_router("/", privacy_router)
api.add_router("/", people_router)
api.add_router("/", participation_router)
api.add_router("/", notifications_router)
