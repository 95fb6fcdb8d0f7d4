"""Seed ISIC Rev. 4 sections and divisions (clients/data/isic4.csv)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "isic4.csv"


def seed(apps, schema_editor):
    Industry = apps.get_model("clients", "Industry")
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sections = {}
    for row in rows:
        if not row["section"]:
            sections[row["code"]] = Industry.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"]})[0]
    for row in rows:
        if row["section"]:
            Industry.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "section": sections[row["section"]]})


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
