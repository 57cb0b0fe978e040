"""Market API: needs, challenges, phases, consultation, vendors, sealed proposals and their
attachments, evaluation, evaluator assignments, awards, contracts, programme metrics and the
public OCDS release package. One module per sub-domain (the same names as in `services`,
`selectors` and `views`); each is thin: parse, call one service or selector, return a typed
schema."""

from ninja import Router

from civicloop.market.api import (
    assignments,
    attachments,
    awards,
    challenges,
    consultation,
    contracts,
    evaluation,
    metrics,
    needs,
    ocds,
    phases,
    proposals,
    vendors,
)

router = Router(tags=["market"])
for _module in (
    ocds,
    challenges,
    needs,
    phases,
    consultation,
    vendors,
    proposals,
    attachments,
    evaluation,
    assignments,
    awards,
    contracts,
    metrics,
):
    router.add_router("", _module.router)
