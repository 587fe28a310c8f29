"""Member portal pages of benefits (/m/benefits/, namespace "benefits_portal"): no personal data in URLs."""

from django.urls import path

from gonghui.benefits import views

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("claim/<int:pk>/", views.portal_claim, name="claim"),
    path("feedback/", views.portal_feedback, name="feedback"),
]
