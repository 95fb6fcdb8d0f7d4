from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "khata.catalog"
    label = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from khata.catalog import importing  # noqa: F401  (registers the importer)
