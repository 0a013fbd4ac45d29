"""Pages of relief: schemes."""

urlpatterns: list = []
