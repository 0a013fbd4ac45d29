"""The platform's administration, /operations/platform/, for administrators only: the platform's
figures, opening an association with its first manager, and finding a user to deactivate or
reactivate. Every write goes through a service (operations.platform, core.accounts)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from associations.forms import AssociationForm
from core import accounts
from core.access import action_required
from core.errors import DomainError
from core.models import User
from operations.platform import MANAGER_PART, association_open
from operations.platform_figures import platform_figures
from operations.platform_forms import AccountReasonForm, ManagerForm, UserFilterForm

USERS_PER_PAGE = 50
FILTERS = ("q", "role", "active", "page")


@action_required("platform.figures")
@require_GET
def platform(request: HttpRequest) -> HttpResponse:
    return render(request, "operations/platform.html", platform_figures())


@action_required("association.create")
def platform_association_new(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    association_form = AssociationForm(data, prefix="association")
    manager_form = ManagerForm(data, prefix="manager")
    if request.method == "POST":
        association_valid = association_form.is_valid()
        if manager_form.is_valid() and association_valid:
            fields = association_form.service_fields()
            industries = fields.pop("industries")
            try:
                association, manager = association_open(
                    actor=request.user,
                    association=fields,
                    industries=industries,
                    manager=manager_form.service_fields(),
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                )
            except DomainError as error:
                form = manager_form if error.extra.get("part") == MANAGER_PART else association_form
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    _(
                        "%(association)s is created; %(manager)s is invited to manage it and "
                        "will receive a link to set a password."
                    )
                    % {"association": association.name, "manager": manager.username},
                )
                return redirect("association-detail", pk=association.pk)
    return render(
        request,
        "operations/association_new.html",
        {"association_form": association_form, "manager_form": manager_form},
        status=400 if request.method == "POST" else 200,
    )


def _users(filters: UserFilterForm) -> QuerySet[User]:
    users = User.objects.order_by("username", "id")
    if not filters.is_valid():
        return users
    text = filters.cleaned_data["q"].strip()
    if text:
        users = users.filter(
            Q(username__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(email__icontains=text)
            | Q(phone__icontains=text)
        )
    if filters.cleaned_data["role"]:
        users = users.filter(role=filters.cleaned_data["role"])
    if filters.cleaned_data["active"]:
        users = users.filter(is_active=filters.cleaned_data["active"] == "yes")
    return users


def _filters_query(data: QueryDict, *, with_page: bool = True) -> str:
    kept = QueryDict(mutable=True)
    for name in FILTERS:
        if data.get(name) and (with_page or name != "page"):
            kept[name] = data[name]
    return kept.urlencode()


def _users_page(
    request: HttpRequest, data: QueryDict, *, failed=None, status: int = 200
) -> HttpResponse:
    """The list of users; `failed` is (user id, action, bound form) of a refused deactivation
    or reactivation, shown open at its row with what was typed and its errors."""
    filters = UserFilterForm(data or None)
    page = Paginator(_users(filters), USERS_PER_PAGE).get_page(data.get("page"))
    return render(
        request,
        "operations/users.html",
        {
            "filters": filters,
            "page": page,
            "query": _filters_query(data, with_page=False),
            "back": _filters_query(data),
            "failed_user": failed[0] if failed else None,
            "failed_action": failed[1] if failed else "",
            "failed_form": failed[2] if failed else None,
            "self_id": request.user.pk,
        },
        status=status,
    )


@action_required("platform.users")
@require_GET
def platform_users(request: HttpRequest) -> HttpResponse:
    return _users_page(request, request.GET)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """The list as it was filtered when the button was pressed (only the list's own filters)."""
    query = _filters_query(QueryDict(request.POST.get("back", "")))
    return redirect(reverse("platform-users") + (f"?{query}" if query else ""))


def _account_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    deactivating = action == "deactivate"
    form = AccountReasonForm(request.POST, reason_required=deactivating)
    if not form.is_valid():
        # What was typed comes back at the row, the list narrowed to this account.
        data = QueryDict(mutable=True)
        data["q"] = user.username
        return _users_page(request, data, failed=(user.pk, action, form), status=400)
    service = accounts.deactivate if deactivating else accounts.reactivate
    try:
        service(user, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        if "reason" in error.fields:
            form.add_error("reason", error.fields["reason"][0])
            data = QueryDict(mutable=True)
            data["q"] = user.username
            return _users_page(request, data, failed=(user.pk, action, form), status=400)
        # Refused because of the account's state or who it is: a banner (0012).
        messages.error(request, error.message)
        return _back_to_list(request)
    if deactivating:
        messages.success(
            request,
            _(
                "%(username)s is deactivated: signed out everywhere, API tokens revoked, no "
                "sign-in until reactivated."
            )
            % {"username": user.username},
        )
    else:
        messages.success(
            request,
            _("%(username)s is active again; they sign in anew and make new API tokens.")
            % {"username": user.username},
        )
    return _back_to_list(request)


@require_POST
@action_required("platform.users")
def platform_user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(request, pk, "deactivate")


@require_POST
@action_required("platform.users")
def platform_user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(request, pk, "reactivate")
