"""Experiments pages, one module per sub-domain (the same names as `services/`, `selectors/`
and `api/`). Views parse, call one service or selector, and render."""
