"""The prevention supplies every association's members ask for; staff add production materials."""

from django.db import migrations

PREVENTION_SUPPLIES = [
    # code, Chinese name, English name, unit
    ("mask-medical", "医用口罩", "Medical masks", "piece"),
    ("mask-n95", "N95/KN95口罩", "N95/KN95 masks", "piece"),
    ("disinfectant", "消毒液", "Disinfectant", "litre"),
    ("hand-sanitiser", "免洗洗手液", "Hand sanitiser", "bottle"),
    ("thermometer-ir", "红外测温仪", "Infrared thermometers", "piece"),
    ("protective-suit", "防护服", "Protective suits", "set"),
    ("gloves", "医用手套", "Medical gloves", "pair"),
    ("goggles", "护目镜", "Goggles", "piece"),
]


def seed(apps, schema_editor):
    SupplyItem = apps.get_model("supplies", "SupplyItem")
    for code, name_zh, name_en, unit in PREVENTION_SUPPLIES:
        SupplyItem.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "unit": unit,
                "category": "prevention",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
