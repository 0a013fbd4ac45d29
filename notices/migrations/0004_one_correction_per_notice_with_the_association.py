"""One correction per notice, as before, now by a unique rule that holds the distribution key
(previous, association) instead of the one-to-one's unique index on `previous` alone
(docs/scale-out.md, step 1). A correction is of a notice of the same association, so the rule
is the same."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("notices", "0003_audiences_carry_the_association"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.UniqueConstraint(
                fields=("previous", "association"), name="one_correction_per_notice"
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="corrections",
                to="notices.notice",
            ),
        ),
    ]
