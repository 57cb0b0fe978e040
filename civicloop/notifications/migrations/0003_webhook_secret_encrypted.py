"""Webhook signing secrets move from a clear column to one encrypted under CIVICLOOP_FIELD_KEYS.

Expand (a new column), encrypt every existing secret into it, contract (drop the clear column).
Going back decrypts them into the clear column again (it needs the same keys).
"""

from django.db import migrations, models

from civicloop.core import field_crypto


def encrypt_secrets(apps, schema_editor):
    endpoint_model = apps.get_model("notifications", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.exclude(secret="").only("pk", "secret").iterator():
        endpoint_model.objects.filter(pk=endpoint.pk).update(
            secret_encrypted=field_crypto.encrypt(endpoint.secret)
        )


def decrypt_secrets(apps, schema_editor):
    endpoint_model = apps.get_model("notifications", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.only("pk", "secret_encrypted").iterator():
        endpoint_model.objects.filter(pk=endpoint.pk).update(
            secret=field_crypto.decrypt(endpoint.secret_encrypted)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_summary_published_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="secret_encrypted",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(max_length=80, default=""),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.RemoveField(model_name="webhookendpoint", name="secret"),
    ]
