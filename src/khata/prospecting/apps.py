from django.apps import AppConfig


class ProspectingConfig(AppConfig):
    name = "khata.prospecting"
    label = "prospecting"
    verbose_name = "Prospecting"

    def ready(self) -> None:
        from khata.prospecting import importing  # noqa: F401  (registers the importer)
