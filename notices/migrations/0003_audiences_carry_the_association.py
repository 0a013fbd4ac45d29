"""A notice's regions, industries, picked members and policy filters become explicit models over
the same tables, each row with the notice's association: the key a distributed PostgreSQL keeps
an association's rows together by (docs/scale-out.md, step 1). The unique rules get the key,
last."""

from django.db import migrations, models

from core.migration_operations import links_with_association

NOTICE = ("notice", "notices.notice", "notices_notice")
REGION = ("region", "core.region")
INDUSTRY = ("industry", "core.industry")


def _link(model_name: str, relation: str, target: tuple[str, str], through: str, once: str):
    return links_with_association(
        model_name=model_name,
        table=f"notices_notice_{relation}",
        parent=NOTICE,
        target=target,
        relation=relation,
        field=models.ManyToManyField(
            blank=True, related_name="+", through=f"notices.{through}", to=target[1]
        ),
        constraint=once,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("associations", "0005_membership_annual_dues"),
        ("core", "0021_notifications_partitioned_by_month"),
        ("enterprises", "0006_enterprise_name_pinyin_index"),
        ("notices", "0002_recipient_carries_the_association"),
    ]

    operations = [
        *_link("noticeregion", "regions", REGION, "NoticeRegion", "notice_region_once"),
        *_link("noticeindustry", "industries", INDUSTRY, "NoticeIndustry", "notice_industry_once"),
        *_link(
            "noticepick",
            "picked",
            ("enterprise", "enterprises.enterprise"),
            "NoticePick",
            "notice_pick_once",
        ),
        *_link(
            "noticepolicyregion",
            "policy_regions",
            REGION,
            "NoticePolicyRegion",
            "notice_policy_region_once",
        ),
        *_link(
            "noticepolicyindustry",
            "policy_industries",
            INDUSTRY,
            "NoticePolicyIndustry",
            "notice_policy_industry_once",
        ),
    ]
