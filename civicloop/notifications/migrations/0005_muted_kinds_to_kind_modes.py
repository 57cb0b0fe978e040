"""Each muted kind (no e-mail, still in the app) becomes that kind's own mode "in_app"; an
e-mail mode "off" stays the default (it already means: the app only). `muted_kinds` is emptied
and no longer written; the reverse puts the "in_app" kinds back in it."""

from django.db import migrations


def forwards(apps, schema_editor):
    Preference = apps.get_model("notifications", "NotificationPreference")
    for pref in Preference.objects.exclude(muted_kinds=[]):
        modes = {kind: "in_app" for kind in pref.muted_kinds}
        modes.update(pref.kind_modes or {})
        pref.kind_modes = dict(sorted(modes.items()))
        pref.muted_kinds = []
        pref.save(update_fields=["kind_modes", "muted_kinds"])


def backwards(apps, schema_editor):
    Preference = apps.get_model("notifications", "NotificationPreference")
    for pref in Preference.objects.exclude(kind_modes={}):
        muted = sorted(k for k, mode in pref.kind_modes.items() if mode in ("in_app", "off"))
        pref.muted_kinds = sorted(set(pref.muted_kinds) | set(muted))
        pref.kind_modes = {}
        pref.save(update_fields=["kind_modes", "muted_kinds"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_kind_modes_and_new_kinds")]

    operations = [migrations.RunPython(forwards, backwards)]
