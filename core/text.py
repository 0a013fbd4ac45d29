"""Putting pieces of text together the way the active language punctuates them.

Chinese takes full-width punctuation (交通物流：道路封闭，…；广东省（440000）), English the ASCII
one; the translation catalogue says which, so code never writes ": " or " (" between two
translated pieces.
"""

from django.utils.translation import gettext as _

# What may close a sentence or a clause, in either script.
CLOSING_PUNCTUATION = "。．.！!？?；;，,、：:"


def labelled(label: str, value: str) -> str:
    """ "Label: value" ("类型：交通物流")."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def with_aside(text: str, aside: str) -> str:
    """ "Text (aside)" ("广东省（440000）")."""
    return _("%(text)s (%(aside)s)") % {"text": text, "aside": aside}


def without_closing_punctuation(text: str) -> str:
    """The text without the punctuation that ends it, to go before a colon or a comma of ours
    ("需要通行证。" + "：已上报政府" would read "需要通行证。：已上报政府")."""
    return text.rstrip().rstrip(CLOSING_PUNCTUATION).rstrip()
