"""Typed names of the portfolio's audit events."""

from enum import StrEnum


class PortfolioEvent(StrEnum):
    PROBLEM_CREATED = "portfolio.problem_created"
    PROBLEM_UPDATED = "portfolio.problem_updated"
    PROBLEM_STAGE_MOVED = "portfolio.problem_stage_moved"
    PROBLEM_DELETED = "portfolio.problem_deleted"
    PROBLEM_PUBLISHED = "portfolio.problem_published"
    PROBLEM_UNPUBLISHED = "portfolio.problem_unpublished"
    TARGET_GROUP_CREATED = "portfolio.target_group_created"
    TARGET_GROUP_UPDATED = "portfolio.target_group_updated"
    KPI_CREATED = "portfolio.kpi_created"
    KPI_UPDATED = "portfolio.kpi_updated"
    KPI_DELETED = "portfolio.kpi_deleted"
    MEASUREMENT_RECORDED = "portfolio.measurement_recorded"
    MEASUREMENT_DELETED = "portfolio.measurement_deleted"
    MEASUREMENTS_IMPORTED = "portfolio.measurements_imported"
    PORTFOLIO_EXPORTED = "portfolio.portfolio_exported"
