"""Typed names of the evidence app's audit events."""

from enum import StrEnum


class EvidenceEvent(StrEnum):
    EFFECT_RECORDED = "evidence.effect_recorded"
    EFFECT_REPLICATIONS_UPDATED = "evidence.effect_replications_updated"
    SERVICE_FIGURES_SET = "evidence.service_figures_set"
    THEME_RECORDED = "evidence.theme_recorded"
    SHARED_LINK_CREATED = "evidence.shared_link_created"
    SHARED_LINK_REVOKED = "evidence.shared_link_revoked"
    # Stored in `SharedLinkView`, one row per view, not in the hash-chained log.
    SHARED_LINK_VIEWED = "evidence.shared_link_viewed"
    REPORT_EXPORTED = "evidence.report_exported"
