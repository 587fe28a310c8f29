from django.urls import path

from gonghui.appeals import mediation_views, picker, portal, views, workbench

app_name = "appeals"
urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("workbench/", workbench.WorkbenchView.as_view(), name="workbench"),
    path("workbench/caller/", workbench.CallerLookupView.as_view(), name="caller_lookup"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("callbacks/<int:pk>/", views.CallBackView.as_view(), name="callback"),
    path("extensions/<int:pk>/<str:decision>/", views.ExtensionDecisionView.as_view(), name="extension_decide"),
    path("rate/<str:token>/", views.RateView.as_view(), name="rate"),
    path("m/", portal.portal_appeals_view, name="portal"),
    path("mediation/", mediation_views.MediationListView.as_view(), name="mediation"),
    path("mediation/<str:number>/", mediation_views.MediationDetailView.as_view(), name="mediation_detail"),
    path("mediation/<str:number>/<slug:move>/", mediation_views.MediationMoveView.as_view(), name="mediation_move"),
    path("<str:number>/mediate/", mediation_views.MediationOpenView.as_view(), name="mediate"),
    path("<str:number>/", views.AppealDetailView.as_view(), name="detail"),
    path("<str:number>/assign/orgs/", picker.org_search_view, name="assign_orgs"),
    path("<str:number>/attach/", views.AttachView.as_view(), name="attach"),
    path("<str:number>/files/<int:pk>/", views.attachment_view, name="attachment"),
    path("<str:number>/<slug:move>/", views.AppealMoveView.as_view(), name="move"),
]
