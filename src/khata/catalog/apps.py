from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "khata.catalog"
    label = "catalog"
    verbose_name = "Catalogue"
