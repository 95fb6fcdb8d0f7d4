"""Search indexes: trigram GIN on PostgreSQL, an FTS5 trigram table on SQLite (clients/search.py)."""

from django.db import migrations


def create(apps, schema_editor):
    from khata.clients.search import ensure_search_indexes

    ensure_search_indexes(schema_editor.connection)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in ["clients_company_search_ai", "clients_company_search_ad",
                         "clients_company_search_au"]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS clients_company_search")
        elif connection.vendor == "postgresql":
            for name in ["company_name_trgm", "company_legal_name_trgm",
                         "company_registration_upper", "company_domain_upper",
                         "contact_email_upper", "contact_email_alt_upper",
                         "contact_phone_trgm", "contact_mobile_trgm"]:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0005_saved_view")]
    operations = [migrations.RunPython(create, drop)]
