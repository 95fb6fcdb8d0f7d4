"""Fewer indexes for every change-log entry to update: the actor's and the record type's are
served by the indexes that start with them, and the one for entries made on someone's
behalf holds only those."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0005_import_job_options'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the state changes by AlterField: on SQLite it would copy the whole table
        # (and drop the search triggers on it); dropping the index is all there is to do.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='change',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='changes_made', to=settings.AUTH_USER_MODEL, verbose_name='who'),
                ),
                migrations.AlterField(
                    model_name='change',
                    name='content_type',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype'),
                ),
                migrations.AlterField(
                    model_name='change',
                    name='on_behalf_of',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='changes_made_for', to=settings.AUTH_USER_MODEL, verbose_name='on behalf of'),
                ),
            ],
            database_operations=[
                migrations.RunSQL("DROP INDEX IF EXISTS core_change_actor_id_f20c1713",
                                  "CREATE INDEX core_change_actor_id_f20c1713 ON core_change (actor_id)"),
                migrations.RunSQL("DROP INDEX IF EXISTS core_change_content_type_id_a6a1cb99",
                                  "CREATE INDEX core_change_content_type_id_a6a1cb99 ON core_change (content_type_id)"),
                migrations.RunSQL("DROP INDEX IF EXISTS core_change_on_behalf_of_id_f6a302ea",
                                  "CREATE INDEX core_change_on_behalf_of_id_f6a302ea ON core_change (on_behalf_of_id)"),
            ],
        ),
        migrations.AddIndex(
            model_name='change',
            index=models.Index(condition=models.Q(('on_behalf_of__isnull', False)), fields=['on_behalf_of', '-at'], name='change_on_behalf_idx'),
        ),
    ]
