"""What a logged-in member may see of their own records: nothing here takes an id from the
request; everything starts from the person bound to the portal session."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from gonghui.members.models import Card, JoinApplication, Membership, TransferRequest
from gonghui.members.states import CURRENT, JoinStatus, TransferStatus
from gonghui.people.models import Person


@dataclass
class MemberStatus:
    membership: Membership | None
    application: JoinApplication | None  # the newest application (any status)
    transfer: TransferRequest | None  # the newest transfer of the membership (any status)

    @property
    def is_member(self) -> bool:
        return self.membership is not None and self.membership.status in CURRENT

    @property
    def pending_application(self) -> JoinApplication | None:
        app = self.application
        return app if app is not None and app.status == JoinStatus.PENDING else None

    @property
    def pending_transfer(self) -> TransferRequest | None:
        t = self.transfer
        return t if t is not None and t.status == TransferStatus.PENDING else None


def own_membership(person: Person | None) -> Membership | None:
    """The person's current membership, else their most recent one (lapsed, left …)."""
    if person is None:
        return None
    rows = list(Membership.objects.filter(person=person).select_related("org").order_by("-updated_at", "-id")[:5])
    for row in rows:
        if row.status in CURRENT:
            return row
    return rows[0] if rows else None


def member_status(person: Person | None) -> MemberStatus:
    if person is None:
        return MemberStatus(None, None, None)
    membership = own_membership(person)
    application = (
        JoinApplication.objects.filter(person=person).select_related("org").order_by("-created_at", "-id").first()
    )
    transfer = None
    if membership is not None:
        transfer = (
            TransferRequest.objects.filter(membership=membership)
            .select_related("from_org", "to_org")
            .order_by("-created_at", "-id")
            .first()
        )
    return MemberStatus(membership, application, transfer)


def own_applications(person: Person | None, limit: int = 20) -> list[JoinApplication]:
    if person is None:
        return []
    return list(
        JoinApplication.objects.filter(person=person)
        .select_related("org", "transfer__to_org")
        .order_by("-created_at", "-id")[:limit]
    )


def own_transfers(membership: Membership | None, limit: int = 20) -> list[TransferRequest]:
    if membership is None:
        return []
    return list(
        TransferRequest.objects.filter(membership=membership)
        .select_related("from_org", "to_org")
        .order_by("-created_at", "-id")[:limit]
    )


def own_card(membership: Membership | None) -> Card | None:
    """The active (or suspended) card of a current membership; None when there is none."""
    if membership is None or membership.status not in CURRENT:
        return None
    return (
        Card.objects.filter(membership=membership, status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED])
        .order_by("-issued_at", "-id")
        .first()
    )


def card_is_usable(card: Card | None) -> bool:
    return card is not None and card.status == Card.Status.ACTIVE and card.expires_at > timezone.now()
