from django.apps import AppConfig


class ProspectingConfig(AppConfig):
    name = "khata.prospecting"
    label = "prospecting"
    verbose_name = "Prospecting"
