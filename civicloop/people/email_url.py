"""`EMAIL_URL` → Django's EMAIL_* settings (no Django import: config.settings reads it).

    smtp://user:password@host:587            SMTP, STARTTLS when the port is 587 or ?tls=1
    smtps://user:password@host:465           SMTP over TLS (implicit TLS)
    console://                               printed to the console (development)
    locmem://                                kept in memory (tests: django.core.mail.outbox)
    file:///var/mail/civicloop               written as files into that directory
    dummy://                                 thrown away

User and password are percent-decoded (`%40` for `@`); `?timeout=10` sets EMAIL_TIMEOUT.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_TRUE = {"1", "true", "yes", "on"}


def email_config(url: str) -> dict[str, Any]:
    """The EMAIL_* settings named by `url`; ValueError naming EMAIL_URL when it is not valid."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise ValueError(
            f"EMAIL_URL: unknown scheme '{scheme}'; use one of {', '.join(sorted(BACKENDS))}."
        )
    config: dict[str, Any] = {"EMAIL_BACKEND": BACKENDS[scheme]}
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme == "file":
        config["EMAIL_FILE_PATH"] = unquote(parts.path) or None
        return config
    if scheme not in {"smtp", "smtps"}:
        return config
    if not parts.hostname:
        raise ValueError("EMAIL_URL: an smtp:// or smtps:// URL needs a host.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"EMAIL_URL: the port is not a number ({exc}).") from None
    use_ssl = scheme == "smtps" or query.get("ssl", "").lower() in _TRUE
    use_tls = not use_ssl and (port == 587 or query.get("tls", "").lower() in _TRUE)
    config.update(
        EMAIL_HOST=parts.hostname,
        EMAIL_PORT=port or (465 if use_ssl else 587 if use_tls else 25),
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_SSL=use_ssl,
        EMAIL_USE_TLS=use_tls,
    )
    if "timeout" in query:
        try:
            config["EMAIL_TIMEOUT"] = int(query["timeout"])
        except ValueError:
            raise ValueError("EMAIL_URL: ?timeout= must be a whole number of seconds.") from None
    return config
