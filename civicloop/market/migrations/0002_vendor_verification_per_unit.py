"""Vendor verification per verifying unit (issue 12): the global flag becomes one row per unit.

A verified profile's flag is attributed to the organisation of its latest `market.vendor_verified`
audit event (where the old code filed it), if that organisation is a unit; failing that, to the
verifying person's unit when they were staff of exactly one unit. A flag that fits neither is
dropped (that unit verifies again); see docs/market/README.md.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MIGRATED_NOTE = "Verified before verification was per unit (migrated from the global flag)."


def verifications_per_unit(apps, schema_editor):
    VendorProfile = apps.get_model("market", "VendorProfile")
    VendorVerification = apps.get_model("market", "VendorVerification")
    AuditEvent = apps.get_model("core", "AuditEvent")
    Organization = apps.get_model("core", "Organization")
    Membership = apps.get_model("core", "Membership")
    units = set(Organization.objects.filter(kind="unit").values_list("pk", flat=True))
    for profile in VendorProfile.objects.filter(verified_at__isnull=False):
        event = (
            AuditEvent.objects.filter(
                action="market.vendor_verified",
                object_type="market.vendorprofile",
                object_id=str(profile.pk),
            )
            .order_by("-sequence")
            .first()
        )
        unit_id = event.organization_id if event is not None else None
        if unit_id not in units and profile.verified_by_id is not None:
            staff_of = set(
                Membership.objects.filter(
                    person_id=profile.verified_by_id, role="unit_staff", organization_id__in=units
                ).values_list("organization_id", flat=True)
            )
            unit_id = staff_of.pop() if len(staff_of) == 1 else None
        if unit_id not in units:
            continue  # nobody can tell which unit verified: that unit verifies again
        VendorVerification.objects.get_or_create(
            profile=profile,
            organization_id=unit_id,
            defaults={
                "verified_by_id": profile.verified_by_id,
                "verified_at": profile.verified_at,
                "note": MIGRATED_NOTE,
            },
        )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_auditevent_append_only'),
        ('market', '0001_needs_challenges_proposals_contracts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='VendorVerification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('verified_at', models.DateTimeField()),
                ('note', models.TextField(blank=True, help_text='The evidence checked, e.g. a register entry.')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.organization')),
                ('profile', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='verifications', to='market.vendorprofile')),
                ('verified_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['organization__name', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('profile', 'organization'), name='vendor_verification_one_per_unit')],
            },
        ),
        migrations.RunPython(verifications_per_unit, migrations.RunPython.noop),
    ]
