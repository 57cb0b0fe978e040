from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civicloop.people"
    label = "people"
    verbose_name = "People and organisations"
