from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "khata.clients"
    label = "clients"
    verbose_name = "Clients"
