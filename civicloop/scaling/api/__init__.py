"""Scaling API: assessments, obstacles, replication plans and projections, replications,
sandboxes (with the public registry) and lessons, one module per sub-domain."""

from ninja import Router

from civicloop.scaling.api import assessments, lessons, obstacles, plans, replications, sandboxes

router = Router(tags=["scaling"])
for module in (assessments, obstacles, plans, replications, sandboxes, lessons):
    router.add_router("", module.router)
