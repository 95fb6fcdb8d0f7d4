"""The managed list of reasons a lead is dropped starts with the common ones."""

from django.db import migrations

REASONS = ["No budget", "No need", "Too small", "Wrong industry", "Bought from a competitor",
           "Could not reach them", "Duplicate of another lead", "Not the decision maker"]


def seed(apps, schema_editor):
    reason = apps.get_model("prospecting", "DisqualifyReason")
    for name in REASONS:
        reason.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("prospecting", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
