"""The signed-in person's own data (GDPR Arts. 15 and 20)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from civicloop.core.http import principal
from civicloop.privacy import services

router = Router(tags=["privacy"])


@router.get(
    "/me/data",
    response=dict[str, Any],
    summary="Download everything CivicLoop holds about you (JSON)",
    description=(
        "Your profile, roles, API keys you created (metadata, never secrets), audit events you "
        "caused, sign-in history and the proposals you submitted that you may still read. "
        "Needs a signed-in person: API keys answer 403. The export is audited."
    ),
)
def my_data(request: HttpRequest) -> dict[str, Any]:
    return services.personal_data_export_run(actor=principal(request))
