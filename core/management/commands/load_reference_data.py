from django.core.management.base import BaseCommand

from core.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Load (or refresh) GB/T 2260 regions and GB/T 4754-2017 industries. Idempotent."

    def handle(self, *args, **options):
        result = load_reference_data()
        self.stdout.write(
            self.style.SUCCESS(
                f"Reference data: {result.regions} regions, {result.industries} industries."
            )
        )
