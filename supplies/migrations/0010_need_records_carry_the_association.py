"""Matches, placements, messages and escalations carry their need's association: the key a
distributed PostgreSQL keeps an association's rows together by (docs/scale-out.md, step 1).
The unanswered escalation's unique index gets the key, last, so that it still serves the
lookups by need."""

from django.db import migrations, models

from core.migration_operations import association_from_parent


class Migration(migrations.Migration):

    dependencies = [
        ("associations", "0005_membership_annual_dues"),
        ("supplies", "0009_need_escalated_newest"),
    ]

    operations = [
        *[
            operation
            for name in ["match", "placement", "needmessage", "escalation"]
            for operation in association_from_parent(
                name, f"supplies_{name}", "supplies_need", "need_id"
            )
        ],
        migrations.RemoveConstraint(
            model_name="escalation", name="one_unanswered_escalation_per_need"
        ),
        migrations.AddConstraint(
            model_name="escalation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("replied_at__isnull", True)),
                fields=("need", "association"),
                name="one_unanswered_escalation_per_need",
            ),
        ),
    ]
