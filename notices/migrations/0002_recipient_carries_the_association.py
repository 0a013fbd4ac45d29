"""Receipts carry their notice's association: the key a distributed PostgreSQL keeps an
association's rows together by (docs/scale-out.md, step 1). The one-receipt-per-enterprise
index gets the key, last, so that it still serves the lookups by notice and enterprise."""

from django.db import migrations, models

from core.migration_operations import association_from_parent


class Migration(migrations.Migration):

    dependencies = [
        ("associations", "0005_membership_annual_dues"),
        ("notices", "0001_initial"),
    ]

    operations = [
        *association_from_parent(
            "noticerecipient", "notices_noticerecipient", "notices_notice", "notice_id"
        ),
        migrations.RemoveConstraint(model_name="noticerecipient", name="notice_recipient_once"),
        migrations.AddConstraint(
            model_name="noticerecipient",
            constraint=models.UniqueConstraint(
                fields=("notice", "enterprise", "association"), name="notice_recipient_once"
            ),
        ),
    ]
