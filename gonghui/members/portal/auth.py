"""Who is logged in to the member portal.

A member logs in with their mobile number and an SMS code (`accounts.member_login`). The
session then holds the verified number (`member_mobile`) and, when the number belongs to a
known person, that person's id (`member_person_id`). This is separate from staff login:
a member session never carries a staff user, and logging out of one leaves the other alone.

A number that belongs to nobody yet still logs in, so a worker can apply to join for the
first time; the person is bound to the session when their application creates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from urllib.parse import quote

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from gonghui.members.models import JoinApplication, Membership
from gonghui.members.states import CURRENT, JoinStatus
from gonghui.people.identity import mask_mobile
from gonghui.people.models import Person

SESSION_MOBILE = "member_mobile"
SESSION_PERSON = "member_person_id"
SESSION_PENDING_MOBILE = "member_login_mobile"
SESSION_NEXT = "member_login_next"
PORTAL_PREFIX = "/m/"


@dataclass
class PortalMember:
    mobile: str  # E.164, verified by an SMS code
    person: Person | None

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


def person_for_mobile(mobile: str) -> Person | None:
    """The person a verified number belongs to. When a number is registered for several
    persons (a shared family phone), the one with a current membership wins, then the one
    with a pending application, then the newest."""
    candidates = list(Person.objects.filter(mobile=mobile).order_by("-id")[:20])
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    ids = [p.pk for p in candidates]
    current = set(Membership.objects.filter(person_id__in=ids, status__in=CURRENT).values_list("person_id", flat=True))
    pending = set(
        JoinApplication.objects.filter(person_id__in=ids, status=JoinStatus.PENDING).values_list("person_id", flat=True)
    )
    for group in (current, pending):
        for person in candidates:
            if person.pk in group:
                return person
    return candidates[0]


def current_member(request) -> PortalMember | None:
    """The logged-in member of this request, or None. A person whose registered number was
    changed since the login is no longer bound to the session."""
    cached = getattr(request, "_portal_member", None)
    if cached is not None:
        return cached
    mobile = request.session.get(SESSION_MOBILE)
    if not mobile:
        return None
    person = None
    person_id = request.session.get(SESSION_PERSON)
    if person_id:
        person = Person.objects.filter(pk=person_id, mobile=mobile).first()
    if person is None:
        person = person_for_mobile(mobile)
    if person is None:
        request.session.pop(SESSION_PERSON, None)
    elif person.pk != person_id:
        request.session[SESSION_PERSON] = person.pk
    member = PortalMember(mobile=mobile, person=person)
    request._portal_member = member
    return member


def log_in_member(request, mobile: str, person: Person | None) -> None:
    """Start a member session for a verified number (a new session key: no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_MOBILE] = mobile
    if person is not None:
        request.session[SESSION_PERSON] = person.pk
    else:
        request.session.pop(SESSION_PERSON, None)
    request.session.pop(SESSION_PENDING_MOBILE, None)
    request.__dict__.pop("_portal_member", None)


def bind_person(request, person: Person) -> bool:
    """Bind a person to the session, only when they are registered with the verified number."""
    mobile = request.session.get(SESSION_MOBILE)
    if not mobile or person.mobile != mobile:
        return False
    request.session[SESSION_PERSON] = person.pk
    request._portal_member = PortalMember(mobile=mobile, person=person)
    return True


def log_out_member(request) -> None:
    for key in (SESSION_MOBILE, SESSION_PERSON, SESSION_PENDING_MOBILE, SESSION_NEXT):
        request.session.pop(key, None)
    request.__dict__.pop("_portal_member", None)


def safe_next(request, value: str | None) -> str:
    """A portal path to return to after login, or "" (never another site, never the login pages)."""
    value = (value or "").strip()
    if not value.startswith(PORTAL_PREFIX) or value.startswith(reverse("portal:login")):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False):
        return ""
    return value


def login_url_for(request) -> str:
    return f"{reverse('portal:login')}?next={quote(request.get_full_path(), safe='/')}"


def member_required(view=None, *, person: bool = False):
    """Decorator for portal views: a logged-in member (and with `person=True`, one who is a
    known person). Sets `request.member`; responses are never cached (shared phones)."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            member = current_member(request)
            if member is None:
                return redirect(login_url_for(request))
            if person and member.person is None:
                messages.info(request, _("您还没有入会记录，请先申请入会"))
                return redirect("portal:home")
            request.member = member
            response = view_func(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


class MemberRequiredMixin:
    """The same check for class-based views; set `person_required = True` to need a person."""

    person_required = False

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        return member_required(view, person=cls.person_required)
