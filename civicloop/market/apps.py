from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "civicloop.market"
    label = "market"
    verbose_name = "Market"
