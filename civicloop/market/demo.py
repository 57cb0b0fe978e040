"""Demo data for the market app (see DEMO_LOADERS in settings)."""


def load(ctx: dict) -> None:
    """Extend the shared demo context; `ctx` holds "orgs" and "problems" from earlier loaders."""
