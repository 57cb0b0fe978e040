"""The experiments router; each sub-domain module adds its operations to it."""

from ninja import Router

router = Router(tags=["experiments"])
