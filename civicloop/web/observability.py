"""Watching a running CivicLoop: request ids and structured logs, and Prometheus metrics.

Every request gets an id (``X-Request-ID`` from the client or proxy when it is a safe token,
else a new one); it is sent back on the response and carried by every log record written while
the request runs (a context variable read by :class:`RequestContextFilter`), together with the
acting organisation once the request's principal is known. :class:`JsonFormatter` writes one
JSON object per line (production settings); :class:`ReadableFormatter` a line with time and
level (development). See docs/operations.md, "Logs" and "Metrics".

Metrics use ``prometheus_client``. Under a server with several worker processes, set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the processes (cleared at each
start): counters and histograms are then written there and ``/metrics`` adds them up. The
queue, outbox and refresh gauges are computed when ``/metrics`` is read.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("civicloop.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is kept only when it cannot forge or break a log line.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")

_current_request: ContextVar[HttpRequest | None] = ContextVar("civicloop_request", default=None)
_current_id: ContextVar[str | None] = ContextVar("civicloop_request_id", default=None)


def request_id_clean(value: str | None) -> str:
    """The client's request id when it is a safe token, else a new random one."""
    if value and _SAFE_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _current_id.get()


def request_organization(request: HttpRequest | None) -> int | None:
    """The acting organisation of a request, when its principal was resolved and names one.

    An API key acts for its organisation; a person for their organisation when they have only
    one. Never queries the database (a log line must not cost one).
    """
    if request is None:
        return None
    explicit = getattr(request, "civicloop_organization_id", None)
    if explicit is not None:
        return int(explicit)
    principal = getattr(request, "_civicloop_principal", None)
    if principal is None:
        return None
    if principal.api_key is not None:
        return int(principal.api_key.organization_id)
    organizations = principal.organizations()
    return next(iter(organizations)) if len(organizations) == 1 else None


class RequestContextFilter(logging.Filter):
    """Add ``request_id`` and ``organization`` of the running request to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _current_id.get()
        if getattr(record, "organization", None) is None:
            record.organization = request_organization(_current_request.get())
        return True


# Extra fields a record may carry (``logger.info(..., extra={...})``) that a JSON line keeps.
_EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms")


def _utc_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    organization, the request fields of request logs, and the exception text of errors."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "organization": getattr(record, "organization", None),
        }
        for name in _EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ReadableFormatter(logging.Formatter):
    """``2026-12-02T08:30:00.123Z INFO civicloop.request [3f2a…] message`` for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        organization = getattr(record, "organization", None)
        context = ""
        if request_id:
            context = f" [{request_id}" + (f" org={organization}" if organization else "") + "]"
        line = f"{_utc_time(record)} {record.levelname} {record.name}{context} "
        line += record.getMessage()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# -- metrics ----------------------------------------------------------------------------------

_metrics: dict[str, Any] = {}

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REFRESH_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)


def _metric(name: str) -> Any:
    """The process's metric objects, created on first use (after settings are read)."""
    if not _metrics:
        from prometheus_client import Counter, Histogram

        _metrics["requests"] = Counter(
            "civicloop_http_requests_total",
            "HTTP requests answered, by method, route (URL pattern name) and status.",
            ["method", "route", "status"],
        )
        _metrics["latency"] = Histogram(
            "civicloop_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
        )
        _metrics["events"] = Counter(
            "civicloop_events_total",
            "Events sent to the events API, by outcome (accepted, duplicate, rejected).",
            ["outcome"],
        )
        _metrics["refresh"] = Histogram(
            "civicloop_experiment_refresh_duration_seconds",
            "Time to recompute an experiment's results, by outcome (ok, error).",
            ["outcome"],
            buckets=REFRESH_BUCKETS,
        )
    return _metrics[name]


def route_name(request: HttpRequest) -> str:
    """The URL pattern's name (never the raw path, which holds ids), or a fixed placeholder."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    if match.view_name:
        return str(match.view_name)
    return str(match.route or "unnamed")


def events_counted(result: Any) -> None:
    """Count one batch of the events API (an ``AcceptResult``: accepted, duplicates, rejected)."""
    accepted, duplicates, rejected = result.accepted, result.duplicates, len(result.rejected)
    try:
        counter = _metric("events")
        if accepted:
            counter.labels("accepted").inc(accepted)
        if duplicates:
            counter.labels("duplicate").inc(duplicates)
        if rejected:
            counter.labels("rejected").inc(rejected)
    except Exception:  # noqa: BLE001 - a metric never fails the request it counts
        logging.getLogger(__name__).warning("events metric not recorded", exc_info=True)


P = ParamSpec("P")
R = TypeVar("R")


def refresh_timed(function: Callable[P, R]) -> Callable[P, R]:
    """Observe each call's duration in the experiment refresh histogram."""

    @wraps(function)
    def timed(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = function(*args, **kwargs)
            outcome = "ok"
            return result
        finally:
            try:
                _metric("refresh").labels(outcome).observe(time.perf_counter() - started)
            except Exception:  # noqa: BLE001 - a metric never fails the work it measures
                logging.getLogger(__name__).warning("refresh metric not recorded", exc_info=True)

    return timed


# -- the middleware ---------------------------------------------------------------------------


class RequestObservabilityMiddleware:
    """Outermost: give the request its id, log one line per request and count it.

    The request line (logger ``civicloop.request``) carries method, path (query string never:
    only the path), route, status and duration_ms.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_clean(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = _current_id.set(request_id)
        request_token = _current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration = time.perf_counter() - started
            self._record(request, response.status_code, duration)
            return response
        finally:
            _current_request.reset(request_token)
            _current_id.reset(id_token)

    @staticmethod
    def _record(request: HttpRequest, status: int, duration: float) -> None:
        route = route_name(request)
        try:
            _metric("requests").labels(request.method or "", route, str(status)).inc()
            _metric("latency").labels(request.method or "", route).observe(duration)
        except Exception:  # noqa: BLE001 - a metric never fails the request it counts
            logging.getLogger(__name__).warning("request metric not recorded", exc_info=True)
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            status,
            duration * 1000,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": status,
                "duration_ms": round(duration * 1000, 1),
            },
        )


# -- /metrics ---------------------------------------------------------------------------------


def _client_address(request: HttpRequest) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For's last hop not a trusted proxy
    when REMOTE_ADDR is one of ``CIVICLOOP_METRICS_TRUSTED_PROXIES``."""
    try:
        remote = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return None
    proxies = _networks(getattr(settings, "CIVICLOOP_METRICS_TRUSTED_PROXIES", []))
    if not any(remote in net for net in proxies):
        return remote
    forwarded = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in forwarded if h]):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return None
        if not any(address in net for net in proxies):
            return address
    return remote


def client_address(request: HttpRequest) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address as the trusted proxies report it (rate limits use it too)."""
    return _client_address(request)


def _networks(values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


def metrics_allowed(request: HttpRequest) -> bool:
    """May this request read /metrics? A matching bearer token, or an allowed network.

    With neither ``CIVICLOOP_METRICS_TOKEN`` nor ``CIVICLOOP_METRICS_ALLOW`` configured, only
    the machine itself (127.0.0.1, ::1) may, and only when no proxy forwarded the request.
    """
    token = getattr(settings, "CIVICLOOP_METRICS_TOKEN", "")
    allow = getattr(settings, "CIVICLOOP_METRICS_ALLOW", [])
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        if secrets.compare_digest(header.removeprefix("Bearer ").strip(), token):
            return True
    address = _client_address(request)
    if address is None:
        return False
    if allow:
        return any(address in net for net in _networks(allow))
    if token:
        return False
    return address.is_loopback and not request.META.get("HTTP_X_FORWARDED_FOR")


class _StateCollector:
    """Gauges read when /metrics is scraped: task queue, outbox backlog."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from civicloop.core import health

        depth = GaugeMetricFamily(
            "civicloop_task_queue_ready",
            "Tasks waiting to run (ready), by queue.",
            labels=["queue"],
        )
        age = GaugeMetricFamily(
            "civicloop_task_queue_oldest_ready_age_seconds",
            "Age of the oldest task waiting to run, by queue (0 when none waits).",
            labels=["queue"],
        )
        try:
            for queue, (count, oldest) in health.task_queue_state().items():
                depth.add_metric([queue], count)
                age.add_metric([queue], oldest)
        except Exception:  # noqa: BLE001 - an unreadable queue leaves the gauges out
            logging.getLogger(__name__).warning("task queue not read", exc_info=True)
        yield depth
        yield age
        backlog = GaugeMetricFamily(
            "civicloop_event_outbox_backlog",
            "Events accepted but not yet written into the store, by organisation.",
            labels=["organization"],
        )
        try:
            for organization, count in health.outbox_backlogs().items():
                backlog.add_metric([organization], count)
        except Exception:  # noqa: BLE001 - an unreadable outbox leaves the gauge out
            logging.getLogger(__name__).warning("outbox backlog not read", exc_info=True)
        yield backlog


def metrics_text() -> tuple[bytes, str]:
    """The exposition text of this process (or of all processes in multiprocess mode)."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    _metric("requests")  # the families exist (with no samples) before the first request
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    state = CollectorRegistry()
    state.register(_StateCollector())  # type: ignore[arg-type]
    return generate_latest(registry) + generate_latest(state), CONTENT_TYPE_LATEST


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: Prometheus text, for a bearer token or an allowed network; else 403."""
    if not metrics_allowed(request):
        response = HttpResponse(
            "Metrics need a bearer token (CIVICLOOP_METRICS_TOKEN) or an allowed network "
            "(CIVICLOOP_METRICS_ALLOW).\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
        response["Cache-Control"] = "no-store"
        return response
    body, content_type = metrics_text()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


def livez_view(request: HttpRequest) -> HttpResponse:
    """GET /livez: the process answers (nothing else is asked: no database, no store)."""
    from django.http import JsonResponse

    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response


def readyz_view(request: HttpRequest) -> HttpResponse:
    """GET /readyz: 200 when this instance can serve and work, else 503 with Retry-After."""
    from django.http import JsonResponse

    from civicloop.core import health
    from civicloop.web.failure import retry_after_seconds

    readiness = health.readiness()
    ready = readiness["status"] == "ok"
    response = JsonResponse(readiness, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    if not ready:
        response["Retry-After"] = str(retry_after_seconds())
    return response
