"""Experiment keys are unique per unit, no longer globally (contract step after 0003)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_auditevent_append_only"),
        ("experiments", "0003_experiment_unit_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="experiment",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="experiments",
                to="core.organization",
            ),
        ),
        migrations.AlterField(
            model_name="experiment",
            name="key",
            field=models.SlugField(
                help_text="Used by the SDK, the events and the assignment API (unique per unit)",
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="historicalexperiment",
            name="key",
            field=models.SlugField(
                help_text="Used by the SDK, the events and the assignment API (unique per unit)",
                max_length=64,
            ),
        ),
        migrations.AddConstraint(
            model_name="experiment",
            constraint=models.UniqueConstraint(
                fields=("unit", "key"), name="experiment_unique_key_per_unit"
            ),
        ),
    ]
