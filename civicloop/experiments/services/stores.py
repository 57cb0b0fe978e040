"""The legacy event store (events sent before organisations): whose it is, and adopting it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicloop.core.models import Organization
from civicloop.experiments.models import (
    Experiment,
)


@dataclass
class LegacyStoreReport:
    """Whose experiments the exposures of the legacy event store (no organisation) name."""

    exposures: dict[str, int]  # experiment key -> exposure events
    owners: dict[str, list[int]]  # experiment key -> units with an experiment of that key

    @property
    def owning_units(self) -> set[int]:
        return {unit for units in self.owners.values() for unit in units}

    @property
    def unknown_keys(self) -> list[str]:
        return sorted(k for k in self.exposures if not self.owners.get(k))


def event_store_legacy_report() -> LegacyStoreReport | None:
    """The legacy store's exposures and the units owning their experiments (None: no store)."""
    from civicloop.analytics.services import events_legacy_exposures

    exposures = events_legacy_exposures()
    if exposures is None:
        return None
    owners: dict[str, list[int]] = {}
    for key, unit_id in (
        Experiment.objects.filter(key__in=list(exposures))
        .order_by("key", "unit_id")
        .values_list("key", "unit_id")
    ):
        owners.setdefault(key, []).append(unit_id)
    return LegacyStoreReport(exposures, owners)


def event_store_adopt_legacy(
    *, organization: Organization | None = None, force: bool = False
) -> tuple[Any, LegacyStoreReport]:
    """Give the legacy event store to one unit: the one named, or the only unit whose
    experiments its exposures name. Refuses when that is ambiguous, or (unless ``force``)
    when the exposures name experiments of other units. Operators only (the CLI)."""
    from civicloop.analytics.services import events_adopt_legacy

    report = event_store_legacy_report()
    if report is None:
        raise ValidationError({"store": _("There is no legacy event store to adopt.")})
    owners = report.owning_units
    if organization is None:
        if len(owners) != 1:
            found = "units " + ", ".join(map(str, sorted(owners))) if owners else "no unit"
            raise ValidationError(
                {
                    "organization": _(
                        "The legacy store's exposures name experiments of %(found)s: name the "
                        "unit its events belong to (--org SLUG)."
                    )
                    % {"found": found}
                }
            )
        organization = Organization.objects.get(pk=next(iter(owners)))
    foreign = sorted(k for k, units in report.owners.items() if organization.pk not in units)
    if foreign and not force:
        raise ValidationError(
            {
                "organization": _(
                    "The legacy store has exposures of other units' experiments (%(value)s); they "
                    "would count for '%(slug)s'. Use --force if these events are this unit's all "
                    "the same."
                )
                % {"value": ", ".join(foreign), "slug": organization.slug}
            }
        )
    return events_adopt_legacy(organization=organization, foreign_keys=foreign), report
