"""Market pages, one module per sub-domain (the same names as in `services`, `selectors` and
`api`). Views parse, call one service or selector, and render; `urls.py` names each."""
