from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from associations.models import Membership
from core.permissions import action_required
from enterprises.selectors import enterprise_list, may_see_contact_details


@action_required("enterprise.view")
def enterprise_list_page(request: HttpRequest) -> HttpResponse:
    enterprises = enterprise_list(user=request.user).order_by("name", "id")
    query = request.GET.get("q", "").strip()
    if query:
        enterprises = enterprises.filter(
            Q(name__icontains=query) | Q(uscc__startswith=query.upper())
        )
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    return render(request, "enterprises/list.html", {"page": page, "q": query})


@action_required("enterprise.view")
def enterprise_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(enterprise_list(user=request.user), pk=pk)
    memberships = Membership.objects.filter(enterprise=enterprise).select_related("association")
    if request.user.association_ids:
        # Staff see their own associations' side of a shared member, not the others'.
        memberships = memberships.filter(association_id__in=request.user.association_ids)
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "memberships": memberships,
            "show_contact": may_see_contact_details(request.user),
        },
    )
