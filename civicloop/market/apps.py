from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "civicloop.market"
    label = "market"
    verbose_name = "Market"

    def ready(self) -> None:
        from civicloop.market import sealing

        # Refuse to start with a missing or malformed sealing key list (the message says which).
        sealing.configured_keys()
