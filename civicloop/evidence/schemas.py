"""The impact report as the API describes it: every field with its meaning and unit.

`ImpactReport.to_dict()` builds the payload; these schemas type and document it for OpenAPI.
Money is in the service's `currency` (ISO 4217); effects are in the outcome's own `unit`
(treatment minus comparison), signed as measured (see `lower_is_better` on the effect record).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from ninja import Field, Schema


class EvidenceReasonOut(Schema):
    code: str = Field(..., description="A stable code of a grading reason (never renamed).")
    params: dict[str, Any] = Field(
        ..., description="The numbers and design codes in the reason, never words."
    )


class ImpactKpiOut(Schema):
    name: str
    unit: str = Field(..., description="The KPI's unit of measurement (as recorded).")
    direction: str = Field(..., description="`higher` or `lower`: which way is better.")
    baseline: float = Field(..., description="Baseline value, in the KPI's unit.")
    target: float = Field(..., description="Target value, in the KPI's unit.")
    latest: float | None = Field(..., description="Latest measurement, in the KPI's unit.")
    latest_date: date | None = Field(..., description="Date of the latest measurement.")
    progress: float | None = Field(
        ..., description="Share of the way from baseline to target (0 = baseline, 1 = target)."
    )
    target_met: bool


class ImpactEffectOut(Schema):
    outcome: str
    unit: str = Field(..., description="The outcome's unit (pp, %, days, EUR…).")
    role: str = Field(..., description="primary, satisfaction, completion, waiting_time, other.")
    group: str = Field(..., description="The target group it is restricted to; empty = everyone.")
    service: str = Field(..., description="The service it was measured on; empty = any.")
    estimate: float = Field(..., description="Treatment minus comparison, in `unit`.")
    std_error: float = Field(..., description="Standard error of `estimate`, in `unit`.")
    ci_low: float = Field(..., description="Lower end of the 95% interval, in `unit`.")
    ci_high: float = Field(..., description="Upper end of the 95% interval, in `unit`.")
    p_value: float | None = Field(..., description="Two-sided p-value (null if undefined).")
    design: str = Field(..., description="The study design code (rct, did, its, …).")
    maryland_sms: int | None = Field(..., description="Maryland Scientific Methods Scale, 1-5.")
    nesta_level: int | None = Field(..., description="Nesta Standards of Evidence level, 1-5.")
    reasons: list[str] = Field(..., description="Why it got that grade, in English.")
    reason_codes: list[EvidenceReasonOut] = Field(
        ..., description="The same reasons as stable codes, for wording in any language."
    )
    source: str = Field(..., description="Where the figures come from (app or document).")


class MoneyIntervalOut(Schema):
    estimate: float | None = Field(..., description="Point estimate, in `currency`.")
    std_error: float | None = Field(..., description="Standard error, in `currency`.")
    low: float | None = Field(..., description="Lower end of the 95% interval, in `currency`.")
    high: float | None = Field(..., description="Upper end of the 95% interval, in `currency`.")
    currency: str = Field(..., description="ISO 4217 code of the amounts.")


class UnitsIntervalOut(Schema):
    estimate: float | None = Field(..., description="Point estimate, in outcome units per year.")
    std_error: float | None = Field(..., description="Standard error, in outcome units per year.")
    low: float | None = Field(..., description="Lower end of the 95% interval.")
    high: float | None = Field(..., description="Upper end of the 95% interval.")


MissingInputName = Literal["value_per_outcome_unit", "one_off_cost", "annual_running_cost"]


class MissingInputOut(Schema):
    service: str = Field(..., description="The service whose figures lack the input.")
    field: MissingInputName = Field(
        ..., description="The service-figures field to enter (PUT …/services) to see the figure."
    )


class ImpactEfficiencyOut(Schema):
    """A service's efficiency. A figure whose inputs nobody entered is null, never computed from
    a stand-in value, and `missing_inputs` names the fields to enter to see it."""

    service: str
    currency: str = Field(..., description="ISO 4217 code of every amount of this service.")
    annual_volume: float = Field(..., description="Transactions per year.")
    value_per_outcome_unit: float | None = Field(
        ..., description="Money per outcome unit, in `currency`; null when not entered."
    )
    cost_per_transaction_before: float = Field(..., description="In `currency`.")
    cost_per_transaction_after: MoneyIntervalOut | None = Field(
        ...,
        description="Before, less the value of the effect per transaction, with its interval; "
        "null without `value_per_outcome_unit`.",
    )
    annual_savings: MoneyIntervalOut | None = Field(
        ...,
        description="Gross savings per year; null without `value_per_outcome_unit`.",
    )
    one_off_cost: float | None = Field(
        ..., description="Cost to introduce the change, in `currency`; null when not entered."
    )
    annual_running_cost: float | None = Field(
        ..., description="In `currency` per year; null when not entered."
    )
    net_annual_savings: MoneyIntervalOut | None = Field(
        ...,
        description="Savings less running cost, per year; null without `value_per_outcome_unit` "
        "or `annual_running_cost`.",
    )
    cost_per_outcome_unit: float | None = Field(
        ...,
        description="First-year intervention cost per outcome unit gained, in `currency`; null "
        "without both costs or when no units are gained.",
    )
    cost_per_outcome_unit_range: list[float | None] = Field(
        ...,
        description="Cost per outcome unit at the high and low ends of the interval of "
        "outcome units gained, in `currency`.",
    )
    outcome_units_per_year: UnitsIntervalOut = Field(
        ..., description="Outcome units gained per year (effect × scale × volume)."
    )
    payback_years: float | None = Field(
        ...,
        description="Years until net savings repay the one-off cost; null if never, or when an "
        "input it needs is missing (see `missing_inputs`).",
    )
    payback_years_range: list[float | None] = Field(
        ..., description="Payback years at the high and low ends of the savings interval."
    )
    missing_inputs: list[MissingInputName] = Field(
        ..., description="The inputs nobody entered; the figures that need them are null."
    )


class ImpactEquityOut(Schema):
    outcome: str
    group: str = Field(..., description="The target group.")
    group_effect: float = Field(..., description="The group's effect, in the outcome's unit.")
    everyone_effect: float | None = Field(
        ..., description="The effect for everyone, in the outcome's unit."
    )
    gap: float | None = Field(
        ..., description="Group benefit minus everyone's (positive: the group gains more)."
    )
    gap_se: float | None = Field(..., description="Standard error of `gap` (conservative).")


class ImpactScoreOut(Schema):
    label: str
    kind: str = Field(..., description="share (percent), mean, or nps.")
    value: float | None = Field(..., description="The level: percent, mean or NPS points.")
    ci_low: float | None = Field(..., description="Lower end of the 95% interval.")
    ci_high: float | None = Field(..., description="Upper end of the 95% interval.")
    n: int = Field(..., description="Responses counted.")
    source: str


class ImpactThemeOut(Schema):
    label: str
    mentions: int = Field(..., description="Comments on this theme.")
    sentiment: float | None = Field(..., description="-1 to 1; null when not scored.")
    summary: str


class ImpactSummaryOut(Schema):
    """The executive summary: the report without the list of every effect."""

    problem_id: int
    title: str
    stage: str
    sources: list[str] = Field(..., description="The apps (or hand entry) that gave figures.")
    kpis: list[ImpactKpiOut]
    primary_effect: ImpactEffectOut | None = Field(
        ..., description="The best-graded primary effect for everyone."
    )
    efficiency: list[ImpactEfficiencyOut] = Field(
        ..., description="Per service with a primary effect: savings and payback."
    )
    missing_inputs: list[MissingInputOut] = Field(
        ..., description="Every input, per service, whose absence leaves a figure null."
    )
    equity: list[ImpactEquityOut] = Field(..., description="Effects for target groups.")
    scores: list[ImpactScoreOut] = Field(..., description="CX levels from feedback surveys.")
    themes: list[ImpactThemeOut] = Field(..., description="What citizens said, by theme.")


class ImpactReportOut(ImpactSummaryOut):
    """The impact report of a problem (or of one of its services)."""

    effects: list[ImpactEffectOut] = Field(..., description="Every effect, graded.")
