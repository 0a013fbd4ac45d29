"""An association's own page: what it is, editing it, inviting staff and sending an invitation
again (its managers)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from associations import access, services
from associations.forms import AssociationForm, InviteForm
from associations.models import Association, AssociationUser
from associations.selectors import association_list
from core.access import action_required
from core.models import Role
from core.workflow import history_for


@action_required("association.view")
def association_detail(request: HttpRequest, pk: int) -> HttpResponse:
    association = get_object_or_404(association_list(user=request.user), pk=pk)
    allowed_actions = access.association_actions(request.user, association)
    return render(
        request,
        "associations/association_detail.html",
        {
            "association": association,
            "allowed_actions": allowed_actions,
            # What changed and who was invited: for those who run the association.
            "history": history_for(association) if "edit" in allowed_actions else None,
            # Its staff, and whose invitation awaits a password: for those who invite them.
            "staff": _staff(association) if "invite" in allowed_actions else None,
        },
    )


def _staff(association: Association) -> list[dict]:
    links = (
        AssociationUser.objects.filter(association=association, user__role=Role.STAFF)
        .select_related("user")
        .order_by("-is_manager", "user__username")
    )
    return [
        {
            "user": link.user,
            "manages": link.is_manager,
            "awaits_invitation": services.awaits_invitation(link.user),
        }
        for link in links
    ]


def _association_for(request: HttpRequest, pk: int, rule) -> Association:
    association = get_object_or_404(association_list(user=request.user), pk=pk)
    if not rule(request.user, association.pk):
        raise PermissionDenied
    return association


@action_required("association.edit")
def association_edit(request: HttpRequest, pk: int) -> HttpResponse:
    association = _association_for(request, pk, access.may_edit_association)
    form = AssociationForm(request.POST or None, instance=association)
    if form.submitted(request) and form.call_service(
        services.association_update,
        actor=request.user,
        association_id=association.pk,
        **form.service_fields(),
    ):
        messages.success(request, _("Saved."))
        return redirect("association-detail", pk=association.pk)
    title = _("Edit %(name)s") % {"name": association.name}
    return render(request, "form_page.html", {"form": form, "title": title})


@action_required("association.invite_staff")
def association_invite(request: HttpRequest, pk: int) -> HttpResponse:
    association = _association_for(request, pk, access.may_invite_staff)
    form = InviteForm(request.POST or None)
    if form.submitted(request) and form.call_service(
        services.staff_invite,
        actor=request.user,
        association_id=association.pk,
        base_url=request.build_absolute_uri("/").rstrip("/"),
        **form.cleaned_data,
    ):
        messages.success(
            request,
            _("%(username)s is invited; an e-mail with a link to set a password is on its way.")
            % {"username": form.cleaned_data["username"]},
        )
        return redirect("association-detail", pk=association.pk)
    title = _("Invite staff to %(name)s") % {"name": association.name}
    return render(request, "form_page.html", {"form": form, "title": title})


@require_POST
@action_required("association.invite_staff")
def association_resend_invitation(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    association = _association_for(request, pk, access.may_invite_staff)
    invitee = services.staff_invitation_resend(
        actor=request.user,
        association_id=association.pk,
        user_id=user_id,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    messages.success(
        request,
        _("The invitation of %(username)s is sent again to %(email)s.")
        % {"username": invitee.username, "email": invitee.email},
    )
    return redirect(reverse("association-detail", args=[association.pk]) + "#staff")
