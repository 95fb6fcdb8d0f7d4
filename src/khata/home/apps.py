from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "khata.home"
    label = "home"
    verbose_name = "Home"
