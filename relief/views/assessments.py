"""Pages of relief: assessments."""

urlpatterns: list = []
