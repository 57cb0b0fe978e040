"""The audit log's own events: an export of the log is itself recorded."""

from __future__ import annotations

from django.http import Http404

from civicloop.core.audit import audit_record
from civicloop.core.events import CoreEvent
from civicloop.core.permissions import Ability, Principal, require, units_for


def audit_log_export_record(*, actor: Principal, fmt: str) -> None:
    """Record that `actor` exported the audit log of their units (in `fmt`)."""
    units = units_for(actor, Ability.VIEW_AUDIT)
    if not units:
        raise Http404("Not found")
    for unit in units:
        require(actor, Ability.VIEW_AUDIT, unit)
    audit_record(actor=actor, action=CoreEvent.AUDIT_LOG_EXPORTED, metadata={"format": fmt})
