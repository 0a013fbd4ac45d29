"""Panels that apps higher up add to a page of an app lower down, without the lower app
importing them (the layers of pyproject.toml): e.g. the complaints about a member and its service
requests on the enterprise's page.

An app registers, in its AppConfig.ready(), a function of (request, object) that answers None
(nothing to show this person) or (template name, context); the page renders the panels in the
order the apps are installed.
"""

from collections.abc import Callable

Panel = Callable[..., tuple[str, dict] | None]

_PANELS: dict[str, list[Panel]] = {}


def register(page: str, panel: Panel) -> None:
    if panel not in _PANELS.setdefault(page, []):
        _PANELS[page].append(panel)


def panels_for(page: str, request, obj) -> list[dict]:
    shown = []
    for panel in _PANELS.get(page, []):
        found = panel(request, obj)
        if found is not None:
            template, context = found
            shown.append({"template": template, "context": context})
    return shown
