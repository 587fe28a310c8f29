from django.urls import path

from gonghui.hardship import views

app_name = "hardship"
urlpatterns = [
    path("", views.QueuesView.as_view(), name="queues"),
    path("archives/", views.ArchiveListView.as_view(), name="list"),
    path("archives/export.xlsx", views.ArchiveExportView.as_view(), name="export"),
    path("archives/new/", views.ArchiveCreateView.as_view(), name="create"),
    path("archives/member/", views.MemberLookupView.as_view(), name="member_lookup"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("stats/<str:code>/", views.StatsView.as_view(), name="stats_org"),
    # Archives are addressed by their archive number (KN…), never by anything personal.
    path("archives/<str:number>/", views.ArchiveDetailView.as_view(), name="detail"),
    path("archives/<str:number>/attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("archives/<str:number>/<slug:step>/", views.StepView.as_view(), name="step"),
]

# Money, 便民服务 fund, household corrections, manual exit proposal and the 低保 table (issue 4, part 4).
from gonghui.hardship.views import aid as aid_views  # noqa: E402
from gonghui.hardship.views import aid_apply as apply_views  # noqa: E402
from gonghui.hardship.views import fund as fund_views  # noqa: E402
from gonghui.hardship.views import household as household_views  # noqa: E402

urlpatterns += [
    path("aid/programmes/", aid_views.ProgrammeListView.as_view(), name="aid_programmes"),
    path("aid/programmes/<int:pk>/", aid_views.ProgrammeDetailView.as_view(), name="aid_programme"),
    path("aid/programmes/new/", aid_views.ProgrammeCreateView.as_view(), name="aid_programme_create"),
    path("aid/programmes/<int:pk>/rules/", aid_views.ProgrammeRulesView.as_view(), name="aid_programme_rules"),
    path("aid/programmes/<int:pk>/active/", aid_views.ProgrammeActiveView.as_view(), name="aid_programme_active"),
    path("aid/budgets/", aid_views.BudgetListView.as_view(), name="aid_budgets"),
    path("aid/budgets/set/", aid_views.BudgetSetView.as_view(), name="aid_budget_set"),
    path("aid/budgets/<int:pk>/", aid_views.BudgetLedgerView.as_view(), name="aid_budget"),
    path("aid/applications/", aid_views.ApplicationListView.as_view(), name="aid_applications"),
    path("aid/applications/new/", apply_views.ApplyView.as_view(), name="aid_apply"),
    path("aid/applications/new/members/", apply_views.ApplyMemberSearchView.as_view(), name="aid_apply_members"),
    path("aid/applications/notice/", aid_views.BatchNoticeView.as_view(), name="aid_notice_many"),
    path("aid/applications/<int:pk>/", aid_views.ApplicationDetailView.as_view(), name="aid_application"),
    path(
        "aid/applications/<int:pk>/<slug:step>/",
        aid_views.ApplicationStepView.as_view(),
        name="aid_application_step",
    ),
    path("aid/disbursements/", aid_views.DisbursementListView.as_view(), name="aid_disbursements"),
    path(
        "aid/disbursements/<int:pk>/<slug:step>/",
        aid_views.DisbursementStepView.as_view(),
        name="aid_disbursement_step",
    ),
    path("aid/batches/", aid_views.BatchListView.as_view(), name="aid_batches"),
    path("aid/batches/new/", aid_views.BatchCreateView.as_view(), name="aid_batch_create"),
    path("aid/batches/<int:pk>/", aid_views.BatchDetailView.as_view(), name="aid_batch"),
    path("aid/batches/<int:pk>/bank-file/", aid_views.BankFileView.as_view(), name="aid_bankfile"),
    path("aid/batches/<int:pk>/reconcile/", aid_views.ReconcileView.as_view(), name="aid_reconcile"),
    path("fund/", fund_views.FundView.as_view(), name="fund"),
    path("fund/grant/", fund_views.GrantAllowancesView.as_view(), name="fund_grant"),
    path("fund/providers/new/", fund_views.ProviderCreateView.as_view(), name="fund_provider"),
    path("fund/orders/new/", fund_views.OrderCreateView.as_view(), name="fund_order"),
    path("fund/orders/<int:pk>/<slug:step>/", fund_views.OrderStepView.as_view(), name="fund_order_step"),
    path("lines/", household_views.LineListView.as_view(), name="lines"),
    path("lines/set/", household_views.LineSetView.as_view(), name="line_set"),
    path(
        "archives/<str:number>/household/<int:pk>/edit/",
        household_views.HouseholdEditView.as_view(),
        name="household_edit",
    ),
    path(
        "archives/<str:number>/household/<int:pk>/remove/",
        household_views.HouseholdRemoveView.as_view(),
        name="household_remove",
    ),
    path("archives/<str:number>/exit/propose/", household_views.ProposeExitView.as_view(), name="propose_exit"),
]
