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
