"""A batch's regions and industries become explicit models over the same tables, each row with
the batch's association: the key a distributed PostgreSQL keeps an association's rows together
by (docs/scale-out.md, step 1). The unique rule gets the key, last."""

from django.db import migrations, models

from core.migration_operations import links_with_association

BATCH = ("batch", "batches.batch", "batches_batch")


class Migration(migrations.Migration):

    dependencies = [
        ("associations", "0005_membership_annual_dues"),
        ("batches", "0004_application_carries_the_association"),
        ("core", "0021_notifications_partitioned_by_month"),
    ]

    operations = [
        *links_with_association(
            model_name="batchregion",
            table="batches_batch_regions",
            parent=BATCH,
            target=("region", "core.region"),
            relation="regions",
            field=models.ManyToManyField(
                help_text=(
                    "Any level: an enterprise is eligible if its county lies inside one of them."
                ),
                related_name="+",
                through="batches.BatchRegion",
                to="core.region",
                verbose_name="regions",
            ),
            constraint="batch_region_once",
        ),
        *links_with_association(
            model_name="batchindustry",
            table="batches_batch_industries",
            parent=BATCH,
            target=("industry", "core.industry"),
            relation="industries",
            field=models.ManyToManyField(
                help_text="Sections or divisions.",
                related_name="+",
                through="batches.BatchIndustry",
                to="core.industry",
                verbose_name="industries",
            ),
            constraint="batch_industry_once",
        ),
    ]
