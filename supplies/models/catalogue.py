"""The supply catalogue: what needs and offers are filed with, each item counted in one unit, and
how quantities are written."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNameMixin

QUANTITY = {"max_digits": 14, "decimal_places": 3}
POSITIVE = MinValueValidator(Decimal("0.001"))


def plain(quantity: Decimal | None) -> str:
    """A quantity as people write it: 1000, 12.5 — not 1000.000 or 1E+3."""
    if quantity is None:
        return ""
    return format(quantity.normalize(), "f") if quantity else "0"


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    BOX = "box", _("box")
    PAIR = "pair", _("pair")
    SET = "set", _("set")
    BOTTLE = "bottle", _("bottle")
    LITRE = "litre", _("litre")
    KILOGRAM = "kg", _("kg")
    TONNE = "tonne", _("tonne")
    METRE = "metre", _("metre")
    CUBIC_METRE = "m3", _("cubic metre")
    KWH = "kwh", _("kWh")


class SupplyItem(BilingualNameMixin, models.Model):
    """An entry of the supply catalogue: a prevention supply or a production material."""

    class Category(models.TextChoices):
        PREVENTION = "prevention", _("Prevention supplies")
        MATERIAL = "material", _("Production materials")

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Letters, digits and hyphens")
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    category = models.CharField(
        _("category"), max_length=12, choices=Category.choices, default=Category.MATERIAL
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    is_active = models.BooleanField(_("in use"), default=True)
    # Who keeps the item: an association whose staff added it, or none for the platform's own
    # (the seeded prevention supplies), which only administrators change.
    association = models.ForeignKey(
        "associations.Association",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supply_items",
        verbose_name=_("kept by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("supply item")
        verbose_name_plural = _("supply items")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_unit_display()})"
