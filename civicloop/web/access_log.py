"""Query strings never reach a log line: their values are replaced by ``[redacted]``.

Query strings carry what people type into links and forms (an e-mail in ``?unit=…``, a
search); an access log keeps them for months. ``RedactQueryStrings`` is a logging filter on
every handler of ``settings.LOGGING`` (the server's access log ``django.server``, Django's
request log, everything else), so ``GET /feedback/s/x/?unit=zorro@example.org`` is logged as
``GET /feedback/s/x/?unit=[redacted]``. Parameter names stay (they help debugging) unless they
look like data themselves.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# A path (or URL) followed by its query string, up to whitespace, a quote or a fragment.
_QUERY = re.compile(r"(?P<path>/[^\s?\"'<>]*)\?(?P<query>[^\s\"'<>#]+)")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,40}$")


def redact_query_strings(text: str) -> str:
    """``text`` with the value of every query parameter of every path in it replaced."""
    return _QUERY.sub(_redact_match, text)


def _redact_match(match: re.Match[str]) -> str:
    parts = []
    for pair in re.split(r"[&;]", match.group("query")):
        if not pair:
            continue
        name, has_value, _value = pair.partition("=")
        if has_value and _SAFE_NAME.match(name):
            parts.append(f"{name}={REDACTED}")
        else:
            parts.append(REDACTED)
    return f"{match.group('path')}?{'&'.join(parts)}"


class RedactQueryStrings(logging.Filter):
    """Rewrite a record's message with its query strings redacted (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        redacted = redact_query_strings(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
