"""URL patterns for the member portal pages (included by members/urls.py)."""

urlpatterns: list = []
