"""Hand-offs carry their complaint's association: the key a distributed PostgreSQL keeps an
association's rows together by (docs/scale-out.md, step 1)."""

from django.db import migrations

from core.migration_operations import association_from_parent


class Migration(migrations.Migration):

    dependencies = [
        ("associations", "0005_membership_annual_dues"),
        ("market", "0002_names_in_the_active_language"),
    ]

    operations = association_from_parent(
        "handoff", "market_handoff", "market_complaint", "complaint_id"
    )
