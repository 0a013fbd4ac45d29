"""Invitations (an association adding an enterprise registered elsewhere waits for its answer)
and the record an association keeps of an enterprise once the membership ended."""

from django.db import migrations, models

ENDED = ("left", "rejected")
FIELDS = (
    "name",
    "uscc",
    "region",
    "industry",
    "size",
    "ownership",
    "employees",
    "revenue_band",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "address",
)


def keep_records(apps, schema_editor):
    """Each ended membership keeps the enterprise as it was when it ended: today's values with
    every change made since put back from the event log."""
    Membership = apps.get_model("associations", "Membership")
    Enterprise = apps.get_model("enterprises", "Enterprise")
    Event = apps.get_model("core", "Event")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Region = apps.get_model("core", "Region")
    Industry = apps.get_model("core", "Industry")
    enterprise_type = ContentType.objects.filter(
        app_label="enterprises", model="enterprise"
    ).first()
    membership_type = ContentType.objects.filter(
        app_label="associations", model="membership"
    ).first()
    ended = Membership.objects.filter(status__in=ENDED, kept_record__isnull=True)
    for membership in ended.iterator(chunk_size=500):
        enterprise = Enterprise.objects.get(pk=membership.enterprise_id)
        record = {
            name: getattr(enterprise, f"{name}_id" if name in ("region", "industry") else name)
            for name in FIELDS
        }
        ended_at = None
        if membership_type is not None:
            last = (
                Event.objects.filter(
                    content_type=membership_type,
                    object_id=membership.pk,
                    to_status=membership.status,
                )
                .order_by("-at", "-id")
                .first()
            )
            ended_at = last.at if last else None
        if ended_at is None:
            ended_at = membership.updated_at
        if enterprise_type is not None:
            later = Event.objects.filter(
                content_type=enterprise_type,
                object_id=enterprise.pk,
                action="enterprise.updated",
                at__gt=ended_at,
            ).order_by("-at", "-id")
            for event in later:
                for name, (old, _new) in (event.changes or {}).items():
                    if name in record:
                        record[name] = old
        region = Region.objects.filter(pk=record["region"]).first()
        industry = Industry.objects.filter(pk=record["industry"]).first()
        record["region_name"] = region.name if region else ""
        record["industry_name"] = industry.name if industry else ""
        Membership.objects.filter(pk=membership.pk).update(kept_record=record)


class Migration(migrations.Migration):
    dependencies = [
        ("associations", "0003_members"),
        ("enterprises", "0004_enterprise_name_index"),
        ("core", "0006_event_log"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="kept_record",
            field=models.JSONField(blank=True, null=True, verbose_name="record kept at the end"),
        ),
        migrations.AlterField(
            model_name="membership",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("invited", "Invited"),
                    ("active", "Active"),
                    ("suspended", "Suspended"),
                    ("left", "Left"),
                    ("rejected", "Rejected"),
                    ("declined", "Declined"),
                ],
                default="pending",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(keep_records, migrations.RunPython.noop),
    ]
