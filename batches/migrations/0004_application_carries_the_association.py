"""Applications carry their batch's association: the key a distributed PostgreSQL keeps an
association's rows together by (docs/scale-out.md, step 1). The one-live-application index
gets the key, last, so that it still serves the lookups by batch and enterprise."""

from django.db import migrations, models

from core.migration_operations import association_from_parent

LIVE = ["draft", "submitted", "returned", "approved", "resumed"]


class Migration(migrations.Migration):

    dependencies = [
        ("associations", "0005_membership_annual_dues"),
        ("batches", "0003_checklist_minimums"),
    ]

    operations = [
        *association_from_parent(
            "application", "batches_application", "batches_batch", "batch_id"
        ),
        migrations.RemoveConstraint(
            model_name="application", name="one_live_application_per_enterprise_and_batch"
        ),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", LIVE)),
                fields=("batch", "enterprise", "association"),
                name="one_live_application_per_enterprise_and_batch",
                violation_error_message="This enterprise already has an application here.",
            ),
        ),
    ]
