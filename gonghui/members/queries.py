"""Read helpers for members: scoped search, filters, detail."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q

from gonghui.core.tree import in_subtree
from gonghui.members.models import JoinApplication, Membership
from gonghui.members.states import JoinStatus
from gonghui.people.actions import doc_index
from gonghui.people.identity import DocType, normalise_mobile, parse_document

MEMBER_NO_RE = re.compile(r"^\d{16}$")
PINYIN_RE = re.compile(r"^[a-zA-Z]{1,40}$")


def search_q(q: str) -> Q:
    """One box for name (Chinese, pinyin or initials), mobile, document number or member number.

    Each form of input uses an index: member_no unique, doc_index exact (blind index),
    mobile exact (E.164), pinyin/initials prefix, Chinese name prefix.
    """
    q = (q or "").strip()
    if not q:
        return Q()
    if MEMBER_NO_RE.match(q):
        return Q(member_no=q)
    compact = q.replace(" ", "")
    if len(compact) in (15, 18) and compact[:17].isdigit():
        try:
            identity = parse_document(DocType.RESIDENT_ID, compact)
        except ValidationError:
            return Q(pk__in=[])
        return Q(person__doc_index=doc_index(identity))
    if re.fullmatch(r"\+?\d[\d\s-]{9,15}", q):
        try:
            return Q(person__mobile=normalise_mobile(q))
        except ValidationError:
            return Q(pk__in=[])
    if PINYIN_RE.match(q):
        lower = q.lower()
        return Q(person__name_initials__startswith=lower) | Q(person__name_pinyin__startswith=lower)
    return Q(person__name__startswith=q)


def member_list(user, *, q: str = "", status: str = "", worker_type: str = "", org=None):
    qs = Membership.objects.restrict(user, "view")
    if org is not None:
        qs = qs.filter(in_subtree("org_path", org.path))
    if status:
        qs = qs.filter(status=status)
    if worker_type:
        qs = qs.filter(worker_type=worker_type)
    if q:
        qs = qs.filter(search_q(q))
    return qs.select_related("person", "org").order_by("-id")


def pending_joins(user, org=None):
    qs = JoinApplication.objects.restrict(user, "view").filter(status=JoinStatus.PENDING)
    if org is not None:
        qs = qs.filter(in_subtree("org_path", org.path))
    return qs.select_related("person", "org").order_by("due_on", "id")
