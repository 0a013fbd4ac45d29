"""The app's pages."""

urlpatterns: list = []
