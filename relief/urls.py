"""The app's pages: each module of relief.views lists its own."""

from relief.views import assessments, schemes

urlpatterns = assessments.urlpatterns + schemes.urlpatterns
