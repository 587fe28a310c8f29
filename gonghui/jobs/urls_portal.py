from django.urls import path

from gonghui.jobs import views_portal

urlpatterns = [
    path("", views_portal.search_page, name="search"),
    path("mine/", views_portal.mine, name="mine"),
    path("talent/", views_portal.talent, name="talent"),
    path("<int:pk>/", views_portal.post_page, name="post"),
    path("<int:pk>/apply/", views_portal.apply, name="apply"),
    path("applications/<int:pk>/withdraw/", views_portal.withdraw, name="withdraw"),
]
