"""Feedback pages, one module per sub-domain (the same names as `services` and `selectors`):
public (the hosted survey and the widget, no login, no cookies), surveys, imports, kpi_feed,
themes, dashboard and erasure. `urls.py` routes to each module."""
