"""The change log's references to users and models are no longer checked by the database:
Django still applies their on_delete, and the checks were a third of a big import's commit on
PostgreSQL. Only PostgreSQL drops its constraints: on SQLite the AlterFields would copy the
whole change log three times, and its checks cost little there, so they stay."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COLUMNS = ("actor_id", "on_behalf_of_id", "content_type_id")


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    change = apps.get_model("core", "Change")
    for column in COLUMNS:
        for name in schema_editor._constraint_names(change, [column], foreign_key=True):
            schema_editor.execute(schema_editor._delete_fk_sql(change, name))


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    change = apps.get_model("core", "Change")
    for name in ("actor", "on_behalf_of", "content_type"):
        field = change._meta.get_field(name)
        schema_editor.execute(schema_editor._create_fk_sql(
            change, field, "_fk_%(to_table)s_%(to_column)s"))


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0006_fewer_write_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='change',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='changes_made', to=settings.AUTH_USER_MODEL, verbose_name='who'),
                ),
                migrations.AlterField(
                    model_name='change',
                    name='content_type',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype'),
                ),
                migrations.AlterField(
                    model_name='change',
                    name='on_behalf_of',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='changes_made_for', to=settings.AUTH_USER_MODEL, verbose_name='on behalf of'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_constraints, add_constraints)],
        ),
    ]
