from django.urls import path

from gonghui.members import views
from gonghui.members.urls_import import urlpatterns as import_urls

app_name = "members"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("export.<str:fmt>", views.MemberExportView.as_view(), name="export"),
    path("picker/", views.org_picker, name="org_picker"),
    path("joins/", views.JoinQueueView.as_view(), name="joins"),
    path("joins/new/", views.StaffJoinView.as_view(), name="join_new"),
    path("joins/<int:pk>/", views.JoinDetailView.as_view(), name="join_detail"),
    path("joins/<int:pk>/approve/", views.JoinApproveView.as_view(), name="join_approve"),
    path("joins/<int:pk>/reject/", views.JoinRejectView.as_view(), name="join_reject"),
    path("transfers/", views.TransferQueueView.as_view(), name="transfers"),
    path("transfers/<int:pk>/accept/", views.TransferAcceptView.as_view(), name="transfer_accept"),
    path("transfers/<int:pk>/reject/", views.TransferRejectView.as_view(), name="transfer_reject"),
    path("transfers/<int:pk>/cancel/", views.TransferCancelView.as_view(), name="transfer_cancel"),
    path("routing/", views.RoutingRuleListView.as_view(), name="routing"),
    path("routing/new/", views.RoutingRuleCreateView.as_view(), name="routing_new"),
    path("routing/<int:pk>/edit/", views.RoutingRuleUpdateView.as_view(), name="routing_edit"),
    path("routing/<int:pk>/delete/", views.RoutingRuleDeleteView.as_view(), name="routing_delete"),
    *import_urls,
    # Member pages last: they are addressed by member number (never by ID number or mobile).
    path("<str:member_no>/", views.MemberDetailView.as_view(), name="detail"),
    path("<str:member_no>/reveal/", views.RevealDocumentView.as_view(), name="reveal"),
    path("<str:member_no>/<slug:action>/", views.MemberActionView.as_view(), name="action"),
]
