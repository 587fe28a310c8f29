"""Member portal pages of charity (/m/charity/, namespace "charity_portal"): no personal data in URLs."""

from django.urls import path

from gonghui.charity import views_public

urlpatterns = [
    path("", views_public.portal_home, name="home"),
    path("wishes/new/", views_public.portal_post_wish, name="post"),
    path("wishes/<int:pk>/<str:what>/", views_public.portal_wish_step, name="wish_step"),
    path("volunteer/", views_public.portal_volunteer, name="volunteer"),
]
