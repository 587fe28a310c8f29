"""Member pages in the console: list and export, detail with status actions, join and transfer
queues, and the gig-worker routing table. Thin views over `members.queries` and `members.actions`."""

from gonghui.members.views.joins import JoinApproveView, JoinDetailView, JoinQueueView, JoinRejectView, StaffJoinView
from gonghui.members.views.members import (
    MemberActionView,
    MemberDetailView,
    MemberExportView,
    MemberListView,
    RevealDocumentView,
    org_picker,
)
from gonghui.members.views.routing import (
    RoutingRuleCreateView,
    RoutingRuleDeleteView,
    RoutingRuleListView,
    RoutingRuleUpdateView,
)
from gonghui.members.views.transfers import (
    TransferAcceptView,
    TransferCancelView,
    TransferQueueView,
    TransferRejectView,
)

__all__ = [
    "JoinApproveView",
    "JoinDetailView",
    "JoinQueueView",
    "JoinRejectView",
    "MemberActionView",
    "MemberDetailView",
    "MemberExportView",
    "MemberListView",
    "RevealDocumentView",
    "RoutingRuleCreateView",
    "RoutingRuleDeleteView",
    "RoutingRuleListView",
    "RoutingRuleUpdateView",
    "StaffJoinView",
    "TransferAcceptView",
    "TransferCancelView",
    "TransferQueueView",
    "TransferRejectView",
    "org_picker",
]
