"""Events on a household's timeline that other apps contribute (a charity grant, …).

Hardship must not import the apps above it (DESIGN.md §6, module order), so they register a
function here from their `AppConfig.ready()`: `register(source)`, where `source(archive)` returns a
list of `hardship.queries.TimelineItem` (one or two queries, whatever the length). The household
page and the timeline API merge them with hardship's own items (`aid_queries.full_timeline`).
"""

from __future__ import annotations

from collections.abc import Callable

_SOURCES: list[Callable] = []


def register(source: Callable) -> Callable:
    """Add a timeline source (idempotent; usable as a decorator)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def unregister(source: Callable) -> None:
    if source in _SOURCES:
        _SOURCES.remove(source)


def items_for(archive) -> list:
    """Every registered source's items for this household."""
    items: list = []
    for source in list(_SOURCES):
        items.extend(source(archive))
    return items
