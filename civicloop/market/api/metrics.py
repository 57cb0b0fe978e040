"""Programme metrics: competition, supplier diversity and concentration, speed."""

from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.market import selectors

router = Router()


class MetricsOut(Schema):
    challenges_closed: int
    bids_per_challenge: dict[str, int]
    mean_bids: float | None
    single_bid_rate: float | None
    awards: int
    award_value: Decimal
    sme_share_count: float | None
    sme_share_value: float | None
    startup_share_count: float | None
    startup_share_value: float | None
    first_time_share_count: float | None
    first_time_share_value: float | None
    hhi: float | None
    supplier_value: dict[str, Decimal]
    days_need_to_contract: list[int]
    median_days_need_to_contract: float | None


@router.get("/market/metrics", response=MetricsOut, summary="Programme metrics")
def get_market_metrics(request: HttpRequest):
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    return selectors.programme_metrics(viewer=viewer)
