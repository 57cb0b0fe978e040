from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "civicloop.evidence"
    label = "evidence"
    verbose_name = "Evidence"
