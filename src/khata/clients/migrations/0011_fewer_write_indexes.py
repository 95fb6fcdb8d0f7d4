"""Fewer indexes for every new company to update: the owner's is served by the indexes that
start with the owner, and the verifier's and merge target's hold only filled values."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0010_segment_rule_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the state changes by AlterField: on SQLite it would copy the whole table
        # (and drop the search triggers on it); dropping the index is all there is to do.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='company',
                    name='last_verified_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='verified by'),
                ),
                migrations.AlterField(
                    model_name='company',
                    name='merged_into',
                    field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='clients.company', verbose_name='merged into'),
                ),
                migrations.AlterField(
                    model_name='company',
                    name='owner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='companies', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
                ),
            ],
            database_operations=[
                migrations.RunSQL("DROP INDEX IF EXISTS clients_company_last_verified_by_id_e452e59b",
                                  "CREATE INDEX clients_company_last_verified_by_id_e452e59b ON clients_company (last_verified_by_id)"),
                migrations.RunSQL("DROP INDEX IF EXISTS clients_company_merged_into_id_43eebf0e",
                                  "CREATE INDEX clients_company_merged_into_id_43eebf0e ON clients_company (merged_into_id)"),
                migrations.RunSQL("DROP INDEX IF EXISTS clients_company_owner_id_ce924a7a",
                                  "CREATE INDEX clients_company_owner_id_ce924a7a ON clients_company (owner_id)"),
            ],
        ),
        migrations.AddIndex(
            model_name='company',
            index=models.Index(condition=models.Q(('last_verified_by__isnull', False)), fields=['last_verified_by'], name='company_verified_by_idx'),
        ),
        migrations.AddIndex(
            model_name='company',
            index=models.Index(condition=models.Q(('merged_into__isnull', False)), fields=['merged_into'], name='company_merged_into_idx'),
        ),
    ]
