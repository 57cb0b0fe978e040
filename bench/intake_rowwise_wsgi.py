"""The WSGI application with the events API forced onto the row-by-row path (bench/intake.py).

The baseline of the intake benchmark: every body goes through the general JSON parser (with its
depth walk) and ``validation.event_clean`` event by event, as before the columnar path existed.
Nothing in the product imports this module.
"""

from config.wsgi import application  # sets Django up: the API module can be imported after it


def _row_by_row() -> None:
    from civicloop.analytics import api

    api.batch_parse = lambda raw: None  # type: ignore[assignment]  # never the columnar path


_row_by_row()

__all__ = ["application"]
