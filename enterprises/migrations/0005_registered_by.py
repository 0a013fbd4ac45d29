"""Who keeps an enterprise's shared record while it has no users of its own: the association
that registered it (docs/decisions/0004-who-changes-an-enterprise.md)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def registered_by_first_association(apps, schema_editor):
    """An enterprise registered by staff is kept by the association it first became a member
    of; one an enterprise user registered (its creation event's actor) by nobody."""
    Enterprise = apps.get_model("enterprises", "Enterprise")
    Membership = apps.get_model("associations", "Membership")
    Event = apps.get_model("core", "Event")
    ContentType = apps.get_model("contenttypes", "ContentType")
    enterprise_type = ContentType.objects.filter(
        app_label="enterprises", model="enterprise"
    ).first()
    first = Membership.objects.filter(enterprise_id=OuterRef("pk")).order_by("created_at", "id")
    enterprises = Enterprise.objects.filter(registered_by__isnull=True)
    if enterprise_type is not None:
        by_its_user = Event.objects.filter(
            content_type=enterprise_type,
            object_id=OuterRef("pk"),
            action="enterprise.created",
            actor__role="enterprise",
        )
        enterprises = enterprises.exclude(Exists(by_its_user))
    enterprises.update(registered_by=Subquery(first.values("association_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("associations", "0004_invitations_and_kept_records"),
        ("enterprises", "0004_enterprise_name_index"),
        ("core", "0006_event_log"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameField(model_name="importjob", old_name="linked", new_name="invited"),
        migrations.AddField(
            model_name="enterprise",
            name="registered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="registered_enterprises",
                to="associations.association",
                verbose_name="registered by",
            ),
        ),
        migrations.RunPython(registered_by_first_association, migrations.RunPython.noop),
    ]
