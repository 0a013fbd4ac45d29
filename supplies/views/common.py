"""What the pages of needs, offers and the catalogue share."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

PER_PAGE = 25


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def mark_ages(needs) -> None:
    """Days since filing, counted in calendar days of Asia/Shanghai."""
    today = timezone.localdate()
    for need in needs:
        need.age_days = (today - timezone.localtime(need.created_at).date()).days


def no_enterprise(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "supplies/no_enterprise.html", {"title": title})
