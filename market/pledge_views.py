"""The pledges pages. A published pledge and its signatories are public (no login): the list of
who signed which version, with any upheld complaint against a signatory shown beside its
signature. Staff write, publish, revise and withdraw; members sign and withdraw a signature."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from associations.models import Membership
from core.access import action_required, can, scope_of
from core.errors import DomainError
from core.forms import DomainErrorFormMixin, ReasonForm
from core.workflow import history_for
from market import pledges, selectors
from market.models import Pledge, PledgeSignature


class PledgeForm(DomainErrorFormMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("Text"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )


class ReviseForm(DomainErrorFormMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("New text"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Published at once: every member is asked to sign again."),
    )
    reason = forms.CharField(label=gettext_lazy("What changed"), required=False, max_length=2000)


class SignForm(DomainErrorFormMixin, forms.Form):
    signer_name = forms.CharField(
        label=gettext_lazy("Name of the person who signs"), max_length=100
    )
    signer_title = forms.CharField(
        label=gettext_lazy("Their title"), max_length=100, help_text=gettext_lazy("e.g. 总经理")
    )


def pledge_list(request: HttpRequest) -> HttpResponse:
    found = selectors.visible_pledges(request.user).order_by("-created_at", "-id")
    user = request.user
    keeps = (
        user.is_authenticated
        and can(user, "pledge.manage")
        and bool(scope_of(user).association_ids)
    )
    return render(request, "market/pledge_list.html", {"pledges": found[:200], "keeps": keeps})


def _member_may_sign(user, pledge: Pledge) -> bool:
    return (
        user.is_authenticated
        and can(user, "pledge.sign")
        and bool(user.enterprise_id)
        and pledge.status == Pledge.Status.PUBLISHED
        and Membership.objects.filter(
            enterprise_id=user.enterprise_id,
            association_id=pledge.association_id,
            status=Membership.Status.ACTIVE,
        ).exists()
    )


def _pledge_page(request, pledge, *, forms_given=None, status=200):
    user = request.user
    forms_given = forms_given or {}
    version = pledges.current_version(pledge) or pledge.versions.order_by("number").first()
    keeps = user.is_authenticated and pledges.may_keep(user, pledge.association_id)
    own = None
    if user.is_authenticated and user.enterprise_id:
        own = (
            PledgeSignature.objects.filter(
                pledge=pledge, enterprise_id=user.enterprise_id, withdrawn_at__isnull=True
            )
            .select_related("version")
            .order_by("-version__number")
            .first()
        )
    context = {
        "pledge": pledge,
        "version": version,
        "versions": pledge.versions.order_by("-number"),
        "signatures": selectors.signatories(pledge) if pledge.status != Pledge.Status.DRAFT else [],
        "keeps": keeps,
        "may_sign": _member_may_sign(user, pledge)
        and (own is None or own.version_id != getattr(version, "pk", None)),
        "own_signature": own,
        "sign_form": forms_given.get("sign") or SignForm(),
        "revise_form": forms_given.get("revise") or ReviseForm(),
        # the page may hold the revision's form too, whose note has the same name
        "reason_form": forms_given.get("reason") or ReasonForm(auto_id="id_withdraw_%s"),
        "history": history_for(pledge) if keeps else [],
    }
    return render(request, "market/pledge_detail.html", context, status=status)


def pledge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = get_object_or_404(selectors.visible_pledges(request.user), pk=pk)
    return _pledge_page(request, pledge)


@action_required("pledge.manage")
def pledge_new(request: HttpRequest) -> HttpResponse:
    ids = sorted(scope_of(request.user).association_ids)
    if not ids:
        raise PermissionDenied
    form = PledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = form.call_service(
            pledges.pledge_create, actor=request.user, association_id=ids[0], **form.cleaned_data
        )
        if created is not None:
            messages.success(request, _("The pledge is saved as a draft; publish it when ready."))
            return redirect("pledge-detail", pk=created.pk)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": _("Write a pledge"), "submit_label": _("Save the draft")},
    )


@action_required("pledge.manage")
def pledge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = get_object_or_404(selectors.visible_pledges(request.user), pk=pk)
    if not pledges.may_keep(request.user, pledge.association_id):
        raise Http404
    if pledge.status != Pledge.Status.DRAFT:
        messages.error(request, _("A published pledge is changed by a new version."))
        return redirect("pledge-detail", pk=pledge.pk)
    initial = {"title": pledge.title, "text": pledge.versions.get(number=1).text}
    form = PledgeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = form.call_service(
            pledges.pledge_edit_draft, actor=request.user, pledge_id=pledge.pk, **form.cleaned_data
        )
        if saved is not None:
            messages.success(request, _("The draft is saved."))
            return redirect("pledge-detail", pk=pledge.pk)
    return render(request, "form_page.html", {"form": form, "title": _("Edit the draft")})


ACTIONS = {
    "publish": (
        ReasonForm,
        "reason",
        lambda user, p, data: pledges.pledge_publish(actor=user, pledge_id=p.pk),
        gettext_lazy("Published: the members are asked to sign."),
    ),
    "revise": (
        ReviseForm,
        "revise",
        lambda user, p, data: pledges.pledge_revise(actor=user, pledge_id=p.pk, **data),
        gettext_lazy("The new version is published: the members are asked to sign again."),
    ),
    "withdraw": (
        ReasonForm,
        "reason",
        lambda user, p, data: pledges.pledge_withdraw(
            actor=user, pledge_id=p.pk, reason=data["reason"]
        ),
        gettext_lazy("The pledge is withdrawn."),
    ),
    "sign": (
        SignForm,
        "sign",
        lambda user, p, data: pledges.pledge_sign(actor=user, pledge_id=p.pk, **data),
        gettext_lazy("Signed: your enterprise is on the list of signatories."),
    ),
}


@require_POST
@action_required("pledge.view")
def pledge_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    pledge = get_object_or_404(selectors.visible_pledges(request.user), pk=pk)
    if action not in ACTIONS:
        raise Http404
    form_class, key, perform, done = ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(request.user, pledge, form.cleaned_data)
        except DomainError as error:
            if not error.fields:
                messages.error(request, error.message)
                return redirect("pledge-detail", pk=pledge.pk)
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, str(done))
            return redirect("pledge-detail", pk=pledge.pk)
    pledge.refresh_from_db()
    return _pledge_page(request, pledge, forms_given={key: form}, status=400)


@require_POST
@action_required("pledge.sign")
def signature_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    signature = get_object_or_404(
        PledgeSignature.objects.filter(enterprise_id=request.user.enterprise_id or 0), pk=pk
    )
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            pledges.signature_withdraw(
                actor=request.user, signature_id=signature.pk, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your enterprise's signature is withdrawn."))
    return redirect("pledge-detail", pk=signature.pledge_id)
