"""settings.LOGGING, built for a log format: kept apart from base.py, which only chooses it.

Every handler redacts query strings and carries the request id and acting organisation; see the
comment at CIVICLOOP_LOG_FORMAT in base.py and docs/operations.md, "Logs".
"""

from __future__ import annotations

import os


def logging_config(log_format: str) -> dict:
    """settings.LOGGING with every handler writing ``log_format`` ("text" or "json")."""
    if log_format not in {"text", "json"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"CIVICLOOP_LOG_FORMAT is {log_format!r}: it is 'text' (readable lines) or 'json'."
        )
    filters = ["redact_query_strings", "request_context"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact_query_strings": {"()": "civicloop.web.access_log.RedactQueryStrings"},
            "request_context": {"()": "civicloop.web.observability.RequestContextFilter"},
        },
        "formatters": {
            "text": {"()": "civicloop.web.observability.ReadableFormatter"},
            "json": {"()": "civicloop.web.observability.JsonFormatter"},
            "django.server": {
                "()": "django.utils.log.ServerFormatter",
                "format": "[{server_time}] {message}",
                "style": "{",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": filters,
            },
            "django.server": {
                "class": "logging.StreamHandler",
                "formatter": "django.server" if log_format == "text" else "json",
                "filters": filters,
            },
        },
        "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        "loggers": {
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {
                "handlers": ["django.server"],
                "filters": ["redact_query_strings"],
                "level": "INFO",
                "propagate": False,
            },
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
        },
    }
