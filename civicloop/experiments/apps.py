from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "civicloop.experiments"
    label = "experiments"
    verbose_name = "Experiments"

    def ready(self) -> None:
        from civicloop.experiments.warning_text import warning_text
        from civicloop.web.jinja import APP_FILTERS

        APP_FILTERS["warning_text"] = warning_text
