"""Typed names of the evidence app's audit events."""

from enum import StrEnum


class EvidenceEvent(StrEnum):
    EFFECT_RECORDED = "evidence.effect_recorded"
    EFFECT_REPLICATIONS_UPDATED = "evidence.effect_replications_updated"
    SERVICE_FIGURES_SET = "evidence.service_figures_set"
    THEME_RECORDED = "evidence.theme_recorded"
    SHARED_LINK_CREATED = "evidence.shared_link_created"
    SHARED_LINK_REVOKED = "evidence.shared_link_revoked"
    REPORT_EXPORTED = "evidence.report_exported"
