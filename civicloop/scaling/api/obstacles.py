"""Scaling API: the obstacle register."""

from datetime import date
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    PatchSchema,
    principal,
    require_write,
)
from civicloop.core.permissions import Ability
from civicloop.experiments.selectors import service_get
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors, services
from civicloop.scaling.api._common import jurisdiction_for_edit
from civicloop.scaling.models import ObstacleKind, ObstacleStatus

router = Router()


KindName = Literal["reluctance", "regulation", "capacity", "budget", "other"]
assert set(KindName.__args__) == set(ObstacleKind.values)  # type: ignore[attr-defined]  # noqa: S101


StatusName = Literal["open", "mitigating", "resolved", "accepted"]
assert set(StatusName.__args__) == set(ObstacleStatus.values)  # type: ignore[attr-defined]  # noqa: S101


class ObstacleIn(InputSchema):
    problem_id: int
    kind: KindName
    title: str = Field(..., min_length=1, max_length=200)
    severity: int = Field(..., ge=1, le=5)
    likelihood: int = Field(..., ge=1, le=5)
    description: str = ""
    owner_label: str = ""
    mitigation: str = ""
    status: StatusName = "open"
    due_date: date | None = None
    jurisdiction_id: ObjectId | None = None
    sandbox_id: ObjectId | None = None
    service_id: ObjectId | None = None
    proposed_rule_change: str = ""


class ObstaclePatch(PatchSchema):
    nullable = frozenset({"due_date"})

    status: StatusName | None = None
    mitigation: str | None = None
    owner_label: str | None = None
    due_date: date | None = None
    severity: int | None = Field(None, ge=1, le=5)
    likelihood: int | None = Field(None, ge=1, le=5)
    proposed_rule_change: str | None = None


class ObstacleOut(Schema):
    id: int
    problem_id: int
    service_id: int | None
    jurisdiction_id: int | None
    sandbox_id: int | None
    kind: str
    title: str
    description: str
    severity: int
    likelihood: int
    owner_label: str
    mitigation: str
    status: str
    due_date: date | None
    proposed_rule_change: str
    overdue: bool = False

    @staticmethod
    def resolve_owner_label(obj) -> str:
        return obj.owner_name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class HeatmapCellOut(Schema):
    severity: int = Field(..., description="1 (minor) to 5 (severe).")
    likelihood: int = Field(..., description="1 (rare) to 5 (almost certain).")
    count: int = Field(..., description="Open obstacles rated so.")


class ObstacleHeatmapOut(Schema):
    cells: list[HeatmapCellOut] = Field(
        ..., description="All 25 severity × likelihood cells, counting open obstacles."
    )
    overdue: int = Field(..., description="Open obstacles past their due date (all problems).")


@router.get("/scaling/obstacles", response=list[ObstacleOut])
@paginate(Pagination)
def list_obstacles(
    request: HttpRequest,
    problem_id: ObjectId | None = None,
    kind: KindName | None = None,
    status: StatusName | None = None,
    overdue: bool = False,
):
    filters = selectors.ObstacleFilters(
        problem=problem_id, kind=kind, status=status, overdue_only=overdue
    )
    return selectors.obstacle_list(viewer=principal(request), filters=filters)


@router.get("/scaling/obstacles/heatmap", response=ObstacleHeatmapOut)
def get_obstacle_heatmap(request: HttpRequest, problem_id: ObjectId | None = None):
    """Open obstacles per severity × likelihood cell, and how many are overdue."""
    viewer = principal(request)
    rows = selectors.obstacle_list(
        viewer=viewer, filters=selectors.ObstacleFilters(problem=problem_id)
    )
    return {
        "cells": selectors.obstacle_heatmap(rows),
        "overdue": selectors.obstacle_overdue(viewer=viewer).count(),
    }


@router.post("/scaling/obstacles", response={201: ObstacleOut})
def create_obstacle(request: HttpRequest, payload: ObstacleIn):
    actor = require_write(request)
    data = payload.dict()
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=data.pop("problem_id"), ability=Ability.EDIT_SCALING
    )
    jurisdiction = jurisdiction_for_edit(actor, data.pop("jurisdiction_id"))
    sandbox_id, service_id = data.pop("sandbox_id"), data.pop("service_id")
    sandbox = (
        selectors.sandbox_get(viewer=actor, pk=sandbox_id, ability=Ability.EDIT_SCALING)
        if sandbox_id
        else None
    )
    service = None
    if service_id:
        service = service_get(viewer=actor, pk=service_id)
    return Status(
        201,
        services.obstacle_create(
            actor=actor,
            problem=problem,
            jurisdiction=jurisdiction,
            sandbox=sandbox,
            service=service,
            **data,
        ),
    )


@router.patch("/scaling/obstacles/{pk}", response=ObstacleOut)
def update_obstacle(request: HttpRequest, pk: int, payload: ObstaclePatch):
    actor = require_write(request)
    row = selectors.obstacle_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)
    changes = payload.dict(exclude_unset=True)
    return services.obstacle_update(actor=actor, obstacle=row, **changes)
