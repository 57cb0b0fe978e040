"""Helpers for the tests that pin a paginated page's query count (see civicloop.web.pagination)."""

from __future__ import annotations

from django.db import connection
from django.test.client import Client
from django.test.utils import CaptureQueriesContext


def page_queries(client: Client, url: str) -> tuple[int, str]:
    """The number of queries one request for `url` makes (after a warming request), and its HTML."""
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def body(response) -> bytes:
    """A response's body, whether it was streamed (exports) or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
