"""What higher apps add to a member's pages and API answer without members importing them.

An app's AppConfig names providers by dotted path (DESIGN.md §2: registries invert a dependency):

    member_skills = "gonghui.learning.queries.skills_for_api"
        a function (membership) → list of dicts shaped like `schemas.MemberSkillOut`, the member's
        skills record (shown in `GET /members/{member_no}` as `skills`);
    member_panels = {"console": "…console_panel", "portal": "…portal_panel"}
        functions (request, membership) → HTML (a rendered template) or "" for a section on the
        console member page or the portal profile.

Portal home tiles are another registry (`AppConfig.portal_tiles`, read by members/portal/tiles.py).

Providers are looked up on first use (after every app is ready) and cached.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe


@cache
def _skill_providers() -> tuple:
    return tuple(
        import_string(config.member_skills) for config in apps.get_app_configs() if getattr(config, "member_skills", "")
    )


@cache
def _panel_providers(where: str) -> tuple:
    return tuple(
        import_string(config.member_panels[where])
        for config in apps.get_app_configs()
        if where in getattr(config, "member_panels", {})
    )


def skills_for(membership) -> list[dict]:
    """The member's skills from every provider (none installed: an empty list)."""
    skills: list[dict] = []
    for provider in _skill_providers():
        skills.extend(provider(membership))
    return skills


def panels_for(request, membership, where: str) -> list[str]:
    """Rendered sections ("console" or "portal") other apps add for this member."""
    if membership is None:
        return []
    return [mark_safe(html) for provider in _panel_providers(where) if (html := provider(request, membership))]  # noqa: S308  (rendered templates)
