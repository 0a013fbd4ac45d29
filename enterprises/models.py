from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import validate_uscc


class Enterprise(models.Model):
    """A small or medium enterprise, identified by its unified social credit code."""

    class Size(models.TextChoices):
        MICRO = "micro", _("Micro")
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")

    class Ownership(models.TextChoices):
        PRIVATE = "private", _("Private")
        STATE = "state", _("State-owned")
        COLLECTIVE = "collective", _("Collective")
        FOREIGN = "foreign", _("Foreign-invested")
        OTHER = "other", _("Other")

    class RevenueBand(models.TextChoices):
        UNDER_1M = "lt1m", _("Under ¥1 million")
        FROM_1M = "1m-10m", _("¥1–10 million")
        FROM_10M = "10m-50m", _("¥10–50 million")
        FROM_50M = "50m-200m", _("¥50–200 million")
        OVER_200M = "gt200m", _("Over ¥200 million")

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    region = models.ForeignKey(
        "core.Region", models.PROTECT, related_name="enterprises", verbose_name=_("region")
    )
    industry = models.ForeignKey(
        "core.Industry", models.PROTECT, related_name="enterprises", verbose_name=_("industry")
    )
    size = models.CharField(_("size"), max_length=8, choices=Size.choices)
    ownership = models.CharField(
        _("ownership"), max_length=12, choices=Ownership.choices, default=Ownership.PRIVATE
    )
    employees = models.PositiveIntegerField(_("employees"), default=0)
    revenue_band = models.CharField(
        _("annual revenue"), max_length=10, choices=RevenueBand.choices, blank=True
    )
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name
