"""Two indexes fewer for every new company to update: the web domain's pattern index answers
both the duplicate check (equality) and the search box (prefix) on PostgreSQL, so the
UPPER(domain) index goes (clients/search.py drops it after migrate), and the lifecycle is
served by company_lifecycle_size_idx."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0011_fewer_write_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='company',
            name='company_domain_idx',
        ),
        migrations.RemoveIndex(
            model_name='company',
            name='company_lifecycle_idx',
        ),
        migrations.AddIndex(
            model_name='company',
            index=models.Index(fields=['domain'], name='company_domain_idx', opclasses=['varchar_pattern_ops']),
        ),
    ]
