from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "civicloop.experiments"
    label = "experiments"
    verbose_name = "Experiments"
