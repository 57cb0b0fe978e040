"""Experiments carry their unit (expand): added nullable and filled from iteration.service.unit.

Keys become unique per unit in 0004 (contract); see docs/adr/0005-event-store-per-organisation.md.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_unit(apps, schema_editor):
    Experiment = apps.get_model("experiments", "Experiment")
    Service = apps.get_model("experiments", "Service")
    units = Service.objects.filter(iterations=OuterRef("iteration_id")).values("unit_id")[:1]
    Experiment.objects.filter(unit__isnull=True).update(unit_id=Subquery(units))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_auditevent_append_only"),
        ("experiments", "0002_experiment_refresh_task_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="experiment",
            name="unit",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="experiments",
                to="core.organization",
            ),
        ),
        migrations.AddField(
            model_name="historicalexperiment",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="core.organization",
            ),
        ),
        migrations.RunPython(fill_unit, migrations.RunPython.noop),
    ]
