"""A btree index for names starting with a word on PostgreSQL (clients/search.py)."""

from django.db import migrations


def create(apps, schema_editor):
    from khata.clients.search import ensure_search_indexes

    ensure_search_indexes(schema_editor.connection)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS company_name_prefix")


class Migration(migrations.Migration):
    dependencies = [("clients", "0008_company_owner_name")]
    operations = [migrations.RunPython(create, drop)]
