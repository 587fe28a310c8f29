from django.urls import path

from gonghui.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.PostListView.as_view(), name="posts"),
    path("new/", views.PostCreateView.as_view(), name="post_create"),
    path("<int:pk>/", views.PostDetailView.as_view(), name="post"),
    path("<int:pk>/do/<str:what>/", views.post_action, name="post_action"),
    path("<int:pk>/walk-in/", views.walk_in, name="walk_in"),
    path("<int:pk>/applications/", views.BoardView.as_view(), name="board"),
    path("<int:pk>/poster/", views.PosterView.as_view(), name="poster"),
    path("applications/<int:pk>/move/", views.application_move, name="application_move"),
    path("applications/<int:pk>/hire/", views.HireView.as_view(), name="hire"),
    path("employers/", views.EmployerListView.as_view(), name="employers"),
    path("employers/new/", views.EmployerCreateView.as_view(), name="employer_create"),
    path("employers/<int:pk>/", views.EmployerDetailView.as_view(), name="employer"),
    path("employers/<int:pk>/do/<str:what>/", views.employer_action, name="employer_action"),
    path("placements/", views.PlacementListView.as_view(), name="placements"),
    path("follow-ups/<int:pk>/", views.FollowUpView.as_view(), name="follow_up"),
    path("fairs/", views.FairListView.as_view(), name="fairs"),
    path("fairs/new/", views.FairCreateView.as_view(), name="fair_create"),
    path("fairs/<int:pk>/", views.FairDetailView.as_view(), name="fair"),
    path("fairs/<int:pk>/do/<str:what>/", views.fair_action, name="fair_action"),
    path("talent/", views.TalentView.as_view(), name="talent"),
    path("stats/<str:code>/", views.StatsView.as_view(), name="stats_org"),
    path("stats/<str:code>/export.xlsx", views.stats_xlsx, name="stats_xlsx"),
]
