"""Indexes for the Today page (stale records oldest first, capped counts) and for searching by
e-mail, phone and registration number (SQLite) and by a phone's last ten digits (both), see
clients/search.py."""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


def create(apps, schema_editor):
    from khata.clients.search import ensure_search_indexes

    ensure_search_indexes(schema_editor.connection)


def drop(apps, schema_editor):
    from khata.clients.search import SQLITE_INDEX_NAMES

    vendor = schema_editor.connection.vendor
    names = SQLITE_INDEX_NAMES if vendor == "sqlite" else [
        "contact_phone_tail", "contact_mobile_tail"] if vendor == "postgresql" else []
    with schema_editor.connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0006_search_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='company',
            index=models.Index(django.db.models.functions.comparison.Coalesce('last_verified_at', 'created_at'), models.F('id'), name='company_freshness_idx'),
        ),
        migrations.AddIndex(
            model_name='company',
            index=models.Index(fields=['lifecycle'], name='company_lifecycle_idx'),
        ),
        migrations.RunPython(create, drop),
    ]
