"""Public charity pages (/gongyi/, namespace "charity_public"): no login."""

from django.urls import path

from gonghui.charity import views_public

urlpatterns = [
    path("campaigns/<int:pk>/", views_public.public_campaign, name="campaign"),
    path("funds/<slug:code>/", views_public.public_fund, name="fund"),
    path("wishes/", views_public.wish_wall, name="wall"),
]
