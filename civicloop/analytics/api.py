"""Analytics API: the events intake and metric definitions."""

import sqlite3
import threading
import time
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.analytics import selectors, services
from civicloop.analytics.engine import Backpressure, BatchTooLarge
from civicloop.analytics.models import Metric
from civicloop.analytics.store.columnar import batch_parse
from civicloop.core.http import (
    InputSchema,
    MalformedJSON,
    ObjectId,
    Pagination,
    parse_json,
    principal,
    problem_response,
    require_write,
    schema_ref,
)
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, acting_unit
from civicloop.web import observability

router = Router(tags=["analytics"])

MAX_BODY_BYTES = 1_000_000
_flush_lock = threading.Lock()
_last_flush_enqueued = 0.0


class EventRejectedOut(Schema):
    index: int = Field(..., description="Position of the event in the batch (from 0)")
    reason: str


class EventsAcceptedOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[EventRejectedOut]


class EventIn(Schema):
    """One event (documented for OpenAPI; the body is validated event by event)."""

    event_id: str = Field(..., description="UUID chosen by the sender; re-sending is safe")
    unit_id: str = Field(..., description="The person, case or household the event is about")
    name: str = Field(..., description="e.g. application_completed, or $exposure")
    timestamp: str = Field(..., description="ISO 8601 with a time zone")
    value: float | None = None
    properties: dict | None = Field(None, description="$exposure events need {experiment, variant}")


# The body is read by hand (size first, then JSON), so the OpenAPI document says what it is.
EVENTS_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": 1000,
                    "items": schema_ref(EventIn),
                }
            }
        },
        "required": True,
    }
}


def _maybe_enqueue_flush() -> None:
    """Ask the writer to flush, at most once per EVENT_FLUSH_INTERVAL_SECONDS per process."""
    global _last_flush_enqueued
    config: dict[str, Any] = settings.CIVICLOOP
    interval = float(config.get("EVENT_FLUSH_INTERVAL_SECONDS", 10))
    with _flush_lock:
        now = time.monotonic()
        if _last_flush_enqueued and now - _last_flush_enqueued < interval:
            return
        _last_flush_enqueued = now
    from civicloop.analytics.tasks import events_flush

    events_flush.enqueue()


@router.post(
    "/events",
    response={202: EventsAcceptedOut},
    summary="Send a batch of service events",
    openapi_extra=EVENTS_BODY,
)
def send_events(request: HttpRequest, organization_id: int | None = None):
    """Up to 1,000 events or 1 MB per batch, as a JSON array (or `{"events": [...]}`).

    Events are stored for the organisation of the API key (a signed-in person in several
    units names one with `organization_id`); duplicates, exposures and results are counted
    within that organisation only. Answers 202 with counts of accepted and duplicate events
    and the rejected ones (index, reason). Storage is idempotent by `event_id` within the
    organisation: re-sending a batch adds nothing. 413 for an oversized batch; 429 (writer
    behind) or 503 (store unavailable) with `Retry-After`: send the same batch again after that
    many seconds.
    """
    actor = require_write(request)
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY_BYTES:
        return problem_response(
            request,
            413,
            "Batch too large",
            f"a batch is at most {MAX_BODY_BYTES} bytes; this one has {length}",
        )
    raw = request.body
    # The common body (an array of plain events) is parsed and shape-checked in one compiled
    # pass; anything else goes through the general parser and the row-by-row rules.
    body: Any = batch_parse(raw)
    if body is None:
        try:
            body = parse_json(raw or b"null")
        except MalformedJSON as error:
            return problem_response(request, 400, "Malformed JSON", str(error))
        if isinstance(body, dict) and "events" in body:
            body = body["events"]
    try:
        # The gate (acting_unit, in the service) decides who may send and for which unit.
        result = services.events_accept(
            actor=actor, events=body, body_bytes=len(raw), organization_id=organization_id
        )
    except (BatchTooLarge, Backpressure, sqlite3.OperationalError) as error:
        return _refused(request, error, body_is_list=isinstance(body, list))
    observability.events_counted(result)
    if result.accepted:
        _maybe_enqueue_flush()
    return Status(
        202,
        {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "rejected": [{"index": i, "reason": r} for i, r in result.rejected],
        },
    )


def _refused(request: HttpRequest, error: Exception, *, body_is_list: bool) -> HttpResponse:
    """The problem+json answer to a batch that was not stored (nothing of it was)."""
    if isinstance(error, BatchTooLarge):
        return problem_response(request, 413 if body_is_list else 400, "Batch refused", str(error))
    if isinstance(error, Backpressure):
        return problem_response(
            request,
            429,
            "Writer is behind",
            str(error),
            headers={"Retry-After": str(error.retry_after_seconds)},
        )
    return problem_response(
        request,
        503,
        "Event store unavailable",
        f"Nothing was stored ({error}); retry.",
        headers={"Retry-After": "5"},
    )


AggregationName = Literal["count", "sum", "mean", "any", "percentile", "ratio"]


class MetricOut(Schema):
    id: int
    unit_id: int
    key: str
    name: str
    description: str
    source: str
    aggregation: str
    event_name: str
    window_hours: int | None
    pre_window_hours: int
    percentile: float | None
    numerator_id: int | None
    denominator_id: int | None
    custom_sql: str
    higher_is_better: bool
    unit_label: str


class MetricIn(InputSchema):
    key: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    name: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    source: Literal["events", "sites"] = "events"
    aggregation: AggregationName | Literal[""] = ""
    event_name: str = Field("", max_length=128)
    window_hours: int | None = Field(None, gt=0)
    pre_window_hours: int = Field(168, ge=0)
    percentile: float | None = Field(None, gt=0, lt=1)
    numerator_id: ObjectId | None = None
    denominator_id: ObjectId | None = None
    custom_sql: str = ""
    higher_is_better: bool = True
    unit_label: str = Field("", max_length=30)
    unit_id: int | None = Field(None, description="Needed only when you belong to several units.")


def _part(unit: Organization, pk: int | None, name: str) -> Metric | None:
    if pk is None:
        return None
    metric = selectors.metric_for_unit(unit_id=unit.pk, pk=pk)
    if metric is None:
        raise ValidationError({name: _("No metric with this id in your unit.")})
    return metric


@router.get("/metrics", response=list[MetricOut], summary="Metric definitions")
@paginate(Pagination)
def list_metrics(request: HttpRequest):
    return selectors.metric_list(viewer=principal(request))


@router.post("/metrics", response={201: MetricOut}, summary="Define a reusable metric")
def create_metric(request: HttpRequest, payload: MetricIn):
    actor = require_write(request)
    unit = acting_unit(actor, Ability.MANAGE_EXPERIMENTS, payload.unit_id)
    data = payload.dict(exclude={"unit_id", "numerator_id", "denominator_id"})
    metric = services.metric_create(
        actor=actor,
        unit=unit,
        numerator=_part(unit, payload.numerator_id, "numerator_id"),
        denominator=_part(unit, payload.denominator_id, "denominator_id"),
        **data,
    )
    return Status(201, metric)


@router.get("/metrics/{metric_id}", response=MetricOut, summary="One metric")
def get_metric(request: HttpRequest, metric_id: int):
    return selectors.metric_get(viewer=principal(request), pk=metric_id)
