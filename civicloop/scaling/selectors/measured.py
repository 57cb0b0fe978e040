"""Effects measured by the unit's experiments, to plan a scale-up from without retyping them.

Each choice is one metric and variant of an experiment's latest successful results (read
through `experiments.selectors`): the effect, its 95% interval and the metric's unit. The
standard error is the interval's half-width ÷ z(1 − α/2), α being the experiment's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from scipy import special

from civicloop.core.permissions import Principal
from civicloop.evidence.sources import experiment_source
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Experiment


@dataclass(frozen=True)
class MeasuredEffect:
    experiment_id: int
    experiment_key: str
    unit_id: int
    metric_key: str
    variant: str
    outcome: str
    unit: str  # the metric's unit label ("" when the metric has none)
    estimate: float  # treatment minus control, as measured (not signed for "better")
    std_error: float
    ci_low: float
    ci_high: float
    lower_is_better: bool
    source: str

    @property
    def choice(self) -> str:
        """The form's value for this effect: experiment, metric and variant."""
        return f"{self.experiment_id}:{self.metric_key}:{self.variant}"


def _effects_of(experiment: Experiment) -> list[MeasuredEffect]:
    snapshot = experiments_selectors.snapshot_latest(experiment=experiment)
    if snapshot is None or not snapshot.ok:
        return []
    units = {link.metric.key: link.metric.unit_label for link in experiment.metric_links.all()}
    z = float(special.ndtri(1 - (experiment.alpha or 0.05) / 2))
    source = experiment_source(experiment.key, snapshot.computed_at)
    found = []
    for key, entry in sorted(((snapshot.payload or {}).get("metrics") or {}).items()):
        for v in entry.get("variants") or []:
            if v.get("estimate") is None or v.get("ci_low") is None or v.get("ci_high") is None:
                continue
            found.append(
                MeasuredEffect(
                    experiment_id=experiment.pk,
                    experiment_key=experiment.key,
                    unit_id=experiment.unit_id,
                    metric_key=str(key),
                    variant=str(v.get("variant", "")),
                    outcome=str(entry.get("name") or key),
                    unit=units.get(key, ""),
                    estimate=float(v["estimate"]),
                    std_error=(float(v["ci_high"]) - float(v["ci_low"])) / (2 * z),
                    ci_low=float(v["ci_low"]),
                    ci_high=float(v["ci_high"]),
                    lower_is_better=not entry.get("higher_is_better", True),
                    source=source,
                )
            )
    return found


def measured_effect_list(*, viewer: Principal, unit_id: int) -> list[MeasuredEffect]:
    """Every metric result the viewer may see in the unit's experiments' latest results."""
    experiments = experiments_selectors.experiment_list(viewer=viewer).filter(unit_id=unit_id)
    return [effect for experiment in experiments[:200] for effect in _effects_of(experiment)]


def measured_effect_get(*, viewer: Principal, unit_id: int, choice: str) -> MeasuredEffect:
    """One measured effect by its form value; 404 when the viewer may not see it."""
    experiment_id, _, rest = choice.partition(":")
    if not experiment_id.isdigit():
        raise Http404("Not found")
    experiment = (
        experiments_selectors.experiment_list(viewer=viewer)
        .filter(unit_id=unit_id, pk=int(experiment_id))
        .first()
    )
    if experiment is not None:
        for effect in _effects_of(experiment):
            if effect.choice == choice:
                return effect
    raise Http404("Not found")
