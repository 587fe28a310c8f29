"""URL patterns for the member import pages (included by members/urls.py)."""

from django.urls import path

from gonghui.members import views_import as v

urlpatterns: list = [
    path("import/", v.ImportListView.as_view(), name="import_list"),
    path("import/template.xlsx", v.RosterTemplateView.as_view(), name="import_template"),
    path("import/new/<str:code>/", v.ImportUploadView.as_view(), name="import_upload"),
    path("import/<int:pk>/", v.ImportJobView.as_view(), name="import_job"),
    path("import/<int:pk>/confirm/", v.ImportJobActionView.as_view(action="confirm"), name="import_confirm"),
    path("import/<int:pk>/cancel/", v.ImportJobActionView.as_view(action="cancel"), name="import_cancel"),
    path("import/<int:pk>/report/", v.ImportReportView.as_view(), name="import_report"),
]
