"""Console pages of stations (/stations/, namespace "stations")."""

from django.urls import path

from gonghui.stations import views

app_name = "stations"

urlpatterns = [
    path("", views.StationListView.as_view(), name="list"),
    path("new/", views.StationCreateView.as_view(), name="create"),
    path("import/", views.import_view, name="import"),
    path("stats/<str:code>/", views.stats, name="stats"),
    path("follow-ups/<int:pk>/done/", views.close_follow_up, name="follow_up_done"),
    path("<str:code>/", views.StationDetailView.as_view(), name="detail"),
    path("<str:code>/edit/", views.StationEditView.as_view(), name="edit"),
    path("<str:code>/status/<str:status>/", views.StationStatusView.as_view(), name="status"),
    path("<str:code>/investments/", views.add_investment, name="invest"),
    path("<str:code>/plaque/", views.plaque, name="plaque"),
    path("<str:code>/inspect/", views.InspectionView.as_view(), name="inspect"),
]
