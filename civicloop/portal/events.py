"""Typed names of the portal's audit events.

`SUMMARY_PUBLISHED` is the hook for notifications: whoever tells followers and people who gave
feedback that an iteration's outcome is public listens for this event (issue 16, item 3).
"""

from enum import StrEnum


class PortalEvent(StrEnum):
    SUMMARY_DRAFTED = "portal.summary_drafted"
    SUMMARY_UPDATED = "portal.summary_updated"
    SUMMARY_PUBLISHED = "portal.summary_published"
    SUMMARY_WITHDRAWN = "portal.summary_withdrawn"
