"""Read helpers for members: scoped search, filters, detail, queues."""

from __future__ import annotations

import copy
import re

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.query import ModelIterable, QuerySet
from django.utils import timezone

from gonghui.core.scoping import ScopedQuerySet, access_object, user_scope_paths
from gonghui.core.tree import in_any_subtree, in_subtree, prefix_range
from gonghui.members.models import JoinApplication, Membership, MembershipEvent, RoutingRule, TransferRequest
from gonghui.members.states import JoinStatus, MembershipStatus, TransferStatus
from gonghui.people.actions import doc_index
from gonghui.people.identity import DocType, normalise_mobile, parse_document
from gonghui.people.models import Person

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
    # Names as a person subquery over index ranges: a plain join lets SQLite's planner (which has
    # no statistics) start from the scope's path range and join every member of the scope.
    # Pinyin or initials as a UNION of two index-only range scans ((column, id) indexes): an OR of
    # the two ranges is a bitmap OR on PostgreSQL, which reads every matching person's table row.
    if PINYIN_RE.match(q):
        lower = q.lower()
        people = (
            Person.objects.filter(prefix_range("name_initials", lower))
            .values("pk")
            .union(Person.objects.filter(prefix_range("name_pinyin", lower)).values("pk"))
        )
    else:
        people = Person.objects.filter(prefix_range("name", q)).values("pk")
    # The memberships then come from membership_person_path_id_idx (person, org_path, id), index only.
    return Q(person_id__in=people)


class MemberListQuerySet(ScopedQuerySet):
    """The member list, whose pages are fetched as a deferred join.

    A page `qs[a:b]` of the newest-first list runs as one query,
    `… WHERE id IN (SELECT id … ORDER BY id DESC LIMIT b - a OFFSET a) ORDER BY id DESC`:
    the inner query finds and sorts only ids, from indexes (`membership_person_path_id_idx` for a
    name search, the path index for the whole scope), and only the page's rows are then read and
    joined to person and org. A plain `ORDER BY … LIMIT` reads and joins every match before sorting
    (SQLite materialises each one in its sorter). The rows and their order are the same.
    """

    def __getitem__(self, k):
        if (
            isinstance(k, slice)
            and k.stop is not None
            and k.step is None
            and self._result_cache is None
            and not self.query.is_sliced
            and self._iterable_class is ModelIterable
            and tuple(self.query.order_by) == ("-id",)
        ):
            ids = self.values("pk").order_by("-id")[k]
            # A fresh outer query (only the page's ids: the filters stay inside), with the list's joins.
            page = QuerySet(self.model, using=self._db).filter(pk__in=ids).order_by("-id")
            page.query.select_related = copy.deepcopy(self.query.select_related)
            page.query.deferred_loading = copy.deepcopy(self.query.deferred_loading)
            page._prefetch_related_lookups = self._prefetch_related_lookups
            return page
        return super().__getitem__(k)


def member_list(
    user, *, q: str = "", status: str = "", worker_type: str = "", gig_subtype: str = "", org=None, action: str = "view"
):
    """Memberships the user may `action` (view, export …), filtered; newest first."""
    qs = Membership.objects.restrict(user, action)
    if org is not None:
        qs = qs.filter(in_subtree("org_path", org.path))
    if status:
        qs = qs.filter(status=status)
    if worker_type:
        qs = qs.filter(worker_type=worker_type)
    if gig_subtype:  # e.g. 未填写: gig workers imported without their sub-type, to complete
        qs = qs.filter(gig_subtype=gig_subtype)
    if q:
        qs = qs.filter(search_q(q))
    qs = qs.select_related("person", "org").order_by("-id")
    return MemberListQuerySet(model=qs.model, query=qs.query, using=qs.db)


def status_counts(qs) -> list[tuple[str, str, int]]:
    """[(status, label, count)] for a (filtered) membership queryset, in one GROUP BY query."""
    rows = dict(qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return [(s.value, s.label, rows.get(s.value, 0)) for s in MembershipStatus if rows.get(s.value)]


def access_member(user, member_no: str, action: str = "view") -> Membership:
    return access_object(
        Membership.objects.select_related("person", "org"), user, action, member_no=(member_no or "").strip()
    )


def membership_events(membership: Membership, limit: int = 100):
    return (
        MembershipEvent.objects.filter(membership=membership)
        .select_related("from_org", "to_org", "actor")
        .order_by("-on", "-id")[:limit]
    )


def pending_joins(user, org=None):
    qs = JoinApplication.objects.restrict(user, "view").filter(status=JoinStatus.PENDING)
    if org is not None:
        qs = qs.filter(in_subtree("org_path", org.path))
    return qs.select_related("person", "org").order_by("due_on", "id")


def access_join(user, pk: int) -> JoinApplication:
    return access_object(
        JoinApplication.objects.select_related("person", "org", "membership", "transfer", "decided_by"),
        user,
        "view",
        pk=pk,
    )


def _scoped_transfers(user, path_field: str, permission: str = "member.view"):
    paths = user_scope_paths(user, permission)
    qs = TransferRequest.objects.all()
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    return qs.filter(in_any_subtree(path_field, paths))


def incoming_transfers(user):
    """Pending transfers into the user's subtree: to accept or reject."""
    return (
        _scoped_transfers(user, "to_path")
        .filter(status=TransferStatus.PENDING)
        .select_related("membership__person", "from_org", "to_org")
        .order_by("due_on", "id")
    )


def outgoing_transfers(user):
    """Pending transfers out of the user's subtree to a union outside it: they may be cancelled.
    A transfer between two unions of the subtree is listed once, under incoming (to decide)."""
    qs = _scoped_transfers(user, "from_path")
    paths = user_scope_paths(user, "member.view")
    if paths is None:  # the whole installation: every transfer is internal
        qs = qs.none()
    elif paths:
        qs = qs.exclude(in_any_subtree("to_path", paths))
    return (
        qs.filter(status=TransferStatus.PENDING)
        .select_related("membership__person", "from_org", "to_org")
        .order_by("due_on", "id")
    )


def access_transfer(user, pk: int, side: str) -> TransferRequest:
    """A transfer seen from its receiving (`side="in"`) or releasing (`"out"`) union, or 404."""
    from django.http import Http404

    qs = _scoped_transfers(user, "to_path" if side == "in" else "from_path").select_related(
        "membership__person", "from_org", "to_org"
    )
    try:
        return qs.get(pk=pk)
    except TransferRequest.DoesNotExist:
        raise Http404("transfer not found") from None


def pending_transfer_of(membership: Membership) -> TransferRequest | None:
    return (
        TransferRequest.objects.filter(membership=membership, status=TransferStatus.PENDING)
        .select_related("to_org", "from_org")
        .first()
    )


def routing_rules(user):
    return RoutingRule.objects.restrict(user, "routing").select_related("org").order_by("division_code", "platform")


def is_overdue(due_on) -> bool:
    return due_on is not None and due_on < timezone.localdate()
