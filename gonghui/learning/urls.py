from django.urls import path

from gonghui.learning import views

app_name = "learning"
urlpatterns = [
    path("", views.OfferingListView.as_view(), name="offerings"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("new/", views.OfferingCreateView.as_view(), name="offering_create"),
    path("<int:pk>/", views.OfferingDetailView.as_view(), name="offering"),
    path("<int:pk>/edit/", views.OfferingEditView.as_view(), name="offering_edit"),
    path("<int:pk>/do/<str:what>/", views.offering_action, name="offering_action"),
    path("sessions/<int:pk>/", views.SessionView.as_view(), name="session"),
    path("sessions/<int:pk>/sheet.xlsx", views.session_xlsx, name="session_xlsx"),
    path("certificates/", views.CertificateListView.as_view(), name="certificates"),
    path("certificates/<int:pk>/", views.CertificateView.as_view(), name="certificate"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("skills/", views.SkillQueueView.as_view(), name="skills"),
    path("skills/<int:pk>/verify/", views.skill_verify, name="skill_verify"),
    path("stats/<str:code>/", views.StatsView.as_view(), name="stats_org"),
    path("workflows/", views.WorkflowsView.as_view(), name="workflows"),
    path("requests/<int:pk>/decide/", views.course_request_decide, name="course_request_decide"),
]
