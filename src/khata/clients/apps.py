from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "khata.clients"
    label = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from khata.clients import importing  # noqa: F401  (registers the importers)

        # Schema upkeep, not business flow: a later migration that rebuilds the companies
        # table on SQLite drops its search triggers; put them back after every migrate.
        post_migrate.connect(_repair_search_indexes, sender=self,
                             dispatch_uid="khata.clients.search_indexes")


def _repair_search_indexes(sender, using, **kwargs):
    from django.db import connections

    from khata.clients.search import ensure_search_indexes

    ensure_search_indexes(connections[using])
