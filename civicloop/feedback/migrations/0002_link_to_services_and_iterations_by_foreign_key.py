"""Link surveys and responses to services and iterations by foreign key (ADR 0011).

Until now feedback matched an iteration by the string "<slugified service name>-<number>",
across every organisation. The backfill resolves each survey's and response's tags among the
services and iterations of the SURVEY'S OWN UNIT only. A tag that names no service or iteration
there stays unlinked (as before, the tag is kept); a tag that names several (two service names
that slugify alike, e.g. "Licence renewal" and "Licence-renewal") is left unlinked and reported
on the migration's output with the row ids, for a person to link by hand.
"""

import sys
from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify


def _tag_index(Service, Iteration):
    services = defaultdict(list)  # (unit_id, tag) -> [service id]
    for pk, unit_id, name in Service.objects.values_list("pk", "unit_id", "name"):
        services[(unit_id, slugify(name))].append(pk)
    iterations = defaultdict(list)  # (unit_id, tag) -> [(iteration id, service id)]
    rows = Iteration.objects.values_list("pk", "service_id", "number", "service__unit_id", "service__name")
    for pk, service_id, number, unit_id, name in rows:
        iterations[(unit_id, f"{slugify(name)}-{number}")].append((pk, service_id))
    return services, iterations


def _resolve(unit_id, service_key, iteration_key, services, iterations, ambiguous, label):
    service_id = iteration_id = None
    if iteration_key:
        found = iterations.get((unit_id, iteration_key), [])
        if len(found) == 1:
            iteration_id, service_id = found[0]
        elif len(found) > 1:
            ambiguous[(label, "iteration_key", iteration_key)].append(None)
    if service_key and service_id is None:
        found_services = services.get((unit_id, service_key), [])
        if len(found_services) == 1:
            service_id = found_services[0]
        elif len(found_services) > 1:
            ambiguous[(label, "service_key", service_key)].append(None)
    return service_id, iteration_id


def link_by_foreign_key(apps, schema_editor):
    Service = apps.get_model("experiments", "Service")
    Iteration = apps.get_model("experiments", "Iteration")
    Survey = apps.get_model("feedback", "Survey")
    Response = apps.get_model("feedback", "Response")
    services, iterations = _tag_index(Service, Iteration)
    ambiguous = defaultdict(list)
    for survey in Survey.objects.exclude(service_key="", iteration_key="").iterator():
        marks = defaultdict(list)
        service_id, iteration_id = _resolve(
            survey.unit_id, survey.service_key, survey.iteration_key, services, iterations, marks, "survey"
        )
        for key in marks:
            ambiguous[key].append(survey.pk)
        if service_id or iteration_id:
            Survey.objects.filter(pk=survey.pk).update(service_id=service_id, iteration_id=iteration_id)
    rows = (
        Response.objects.exclude(service_key="", iteration_key="")
        .values_list("pk", "survey__unit_id", "service_key", "iteration_key")
        .iterator()
    )
    for pk, unit_id, service_key, iteration_key in rows:
        marks = defaultdict(list)
        service_id, iteration_id = _resolve(
            unit_id, service_key, iteration_key, services, iterations, marks, "response"
        )
        for key in marks:
            ambiguous[key].append(pk)
        if service_id or iteration_id:
            Response.objects.filter(pk=pk).update(service_id=service_id, iteration_id=iteration_id)
    for (label, field, tag), ids in sorted(ambiguous.items()):
        sys.stdout.write(
            f"\n  feedback: {len(ids)} {label}(s) left unlinked: {field} {tag!r} names several "
            f"services or iterations of the unit; ids {sorted(ids)[:50]}"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('experiments', '0002_experiment_refresh_task_id'),
        ('feedback', '0001_surveys_responses_themes'),
    ]

    operations = [
        migrations.AddField(
            model_name='response',
            name='iteration',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='feedback_responses', to='experiments.iteration'),
        ),
        migrations.AddField(
            model_name='response',
            name='service',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='feedback_responses', to='experiments.service'),
        ),
        migrations.AddField(
            model_name='survey',
            name='iteration',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='feedback_surveys', to='experiments.iteration'),
        ),
        migrations.AddField(
            model_name='survey',
            name='service',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='feedback_surveys', to='experiments.service'),
        ),
        migrations.RunPython(link_by_foreign_key, migrations.RunPython.noop),
    ]
