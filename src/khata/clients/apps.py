from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "khata.clients"
    label = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        from khata.clients import importing  # noqa: F401  (registers the importers)
