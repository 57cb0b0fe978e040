from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "civicloop.portfolio"
    label = "portfolio"
    verbose_name = "Problem portfolio"
