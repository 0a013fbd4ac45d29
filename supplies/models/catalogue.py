"""The supply catalogue: what needs and offers are filed with, each item counted in one unit, and
how quantities are written."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.models import BilingualNameMixin
from core.text import with_aside

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


def in_unit(quantity: Decimal | None, unit: str, written: str = "") -> str:
    """A quantity with its unit, as a sentence would say it: "1 box", "5000 pieces", "2.5 kg" in
    English, "5000 个" in Chinese (the unit's word takes the number's plural). `written`: the
    quantity as already formatted (with separators, say), else it is written plain."""
    if quantity is None:
        return ""
    if not isinstance(quantity, Decimal):
        quantity = Decimal(str(quantity))
    # English puts a fraction in the plural (1.5 tonnes); ngettext takes whole numbers.
    n = int(quantity) if quantity == quantity.to_integral_value() else 2
    forms = {
        Unit.PIECE: ngettext("%(amount)s piece", "%(amount)s pieces", n),
        Unit.BOX: ngettext("%(amount)s box", "%(amount)s boxes", n),
        Unit.PAIR: ngettext("%(amount)s pair", "%(amount)s pairs", n),
        Unit.SET: ngettext("%(amount)s set", "%(amount)s sets", n),
        Unit.BOTTLE: ngettext("%(amount)s bottle", "%(amount)s bottles", n),
        Unit.LITRE: ngettext("%(amount)s litre", "%(amount)s litres", n),
        Unit.KILOGRAM: ngettext("%(amount)s kg", "%(amount)s kg", n),
        Unit.TONNE: ngettext("%(amount)s tonne", "%(amount)s tonnes", n),
        Unit.METRE: ngettext("%(amount)s metre", "%(amount)s metres", n),
        Unit.CUBIC_METRE: ngettext("%(amount)s cubic metre", "%(amount)s cubic metres", n),
        Unit.KWH: ngettext("%(amount)s kWh", "%(amount)s kWh", n),
    }
    return forms.get(unit, "%(amount)s") % {"amount": written or plain(quantity)}


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
        return with_aside(self.name, self.get_unit_display())
