"""Every write of people management: organisations, invitations, roles, (de)activation.

One module per sub-domain; this package re-exports their public names (docs/architecture.md).
"""

from civicloop.people.services._common import (
    expiry_days,
)
from civicloop.people.services.invitations import (
    AccountExists,
    SentInvitation,
    company_colleague_invite,
    invitation_accept,
    invitation_create,
    invitation_link,
    invitation_problem,
    invitation_resend,
    invitation_revoke,
)
from civicloop.people.services.members import (
    membership_remove,
    membership_role_change,
    person_deactivate,
    person_reactivate,
    person_role_add,
    sessions_end,
)
from civicloop.people.services.organizations import (
    partner_organization_create,
)

__all__ = [
    "AccountExists",
    "SentInvitation",
    "expiry_days",
    "invitation_accept",
    "company_colleague_invite",
    "invitation_create",
    "invitation_link",
    "invitation_problem",
    "invitation_resend",
    "invitation_revoke",
    "membership_remove",
    "membership_role_change",
    "partner_organization_create",
    "person_deactivate",
    "person_reactivate",
    "person_role_add",
    "sessions_end",
]
