from django.core.management.base import BaseCommand

from demo.data import DEMO_PASSWORD, DEMO_USERNAMES, load_demo_data


class Command(BaseCommand):
    help = "Load the small demo data set used by `make run` (needs DEMO_MODE=true). Idempotent."

    def handle(self, *args, **options):
        counts = load_demo_data()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data: {associations} associations, {enterprises} enterprises.".format(
                    **counts
                )
            )
        )
        self.stdout.write(f"Demo logins ({DEMO_PASSWORD}): " + ", ".join(DEMO_USERNAMES))
