"""Replace respondent ids that are personal identifiers with their keyed hash (issue 12, F14).

Before ids were checked, an app could store a national id, phone number, IBAN or e-mail as a
"pseudonymous" respondent id. They are rewritten as the survey pages now store them
(civicloop.feedback.respondents.pseudonym), so erasure given the identifier still finds them.
"""

import sys

from django.db import migrations


def hash_personal_ids(apps, schema_editor):
    from civicloop.feedback import respondents

    Response = apps.get_model("feedback", "Response")
    changed = 0
    rows = Response.objects.exclude(respondent_id="").values_list("pk", "respondent_id")
    for pk, value in rows.iterator():
        found = respondents.personal_identifier(value)
        if found is not None:
            Response.objects.filter(pk=pk).update(respondent_id=respondents.pseudonym(found))
            changed += 1
    if changed:
        sys.stdout.write(f"\n  feedback: {changed} respondent id(s) that were personal identifiers hashed")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_link_to_services_and_iterations_by_foreign_key")]

    operations = [migrations.RunPython(hash_personal_ids, migrations.RunPython.noop)]
