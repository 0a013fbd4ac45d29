"""The notices pages: the list (an enterprise's unread first), a notice (read when an enterprise
user opens it; signed for on the page), the association's side's writing, publishing,
correcting, withdrawing and reminding, and the receipts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import action_required, can, scope_of
from core.attachments import attachments_of, serve
from core.errors import DomainError
from core.forms import ReasonForm
from core.workflow import history_for
from notices import access, selectors, services, text
from notices.forms import NoticeForm, ReceiptFilterForm, SignForm
from notices.models import Notice

PER_PAGE = 30


@action_required("notice.view")
def notice_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.notices_for(user), PER_PAGE).get_page(request.GET.get("page"))
    figures = selectors.figures_of(user, page)  # one grouped query for the page
    for notice in page:
        notice.figures = figures[notice.pk] if notice.status != Notice.Status.DRAFT else {}
    return render(
        request,
        "notices/notice_list.html",
        {
            "page": page,
            "writes": can(user, "notice.write") and bool(scope_of(user).association_ids),
        },
    )


def _notice(request, pk: int) -> Notice:
    # its correction read once for the page (`Notice.correction`: the actions and the callout)
    notices = access.visible(request.user).select_related("association")
    return get_object_or_404(notices.prefetch_related("corrections"), pk=pk)


def _page(request, notice: Notice, *, sign_form=None, reason_form=None, status=200):
    user = request.user
    recipient = access.recipient_of(user, notice)
    actions = access.allowed_actions(user, notice, recipient)
    return render(
        request,
        "notices/notice_detail.html",
        {
            "notice": notice,
            "body": text.render(notice.body),
            "files": attachments_of(notice),
            "recipient": recipient,
            "figures": selectors.figures_for(user, notice)
            if notice.status != Notice.Status.DRAFT
            else {},
            "actions": actions,
            "sign_form": sign_form or SignForm(),
            "reason_form": reason_form or ReasonForm(),
            "reminded_today": services.reminded_today(notice),
            "history": history_for(notice) if "receipts" in actions or "edit" in actions else [],
            "correction": notice.correction,
        },
        status=status,
    )


@action_required("notice.view")
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Opened by a user of a recipient enterprise, the notice counts as read."""
    notice = _notice(request, pk)
    services.mark_read(actor=request.user, notice=notice)
    return _page(request, notice)


@action_required("notice.view")
def notice_file(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    found = attachments_of(_notice(request, pk)).filter(pk=attachment_id).first()
    if found is None:
        raise Http404
    return serve(found)


def _files(form) -> list:
    return form.cleaned_data.get("attachments") or []


@action_required("notice.write")
def notice_new(request: HttpRequest) -> HttpResponse:
    ids = sorted(scope_of(request.user).association_ids)
    if not ids:
        raise PermissionDenied
    form = NoticeForm(request.POST or None, request.FILES or None, association_ids=ids[:1])
    if request.method == "POST" and form.is_valid():
        created = form.call_service(
            services.notice_create,
            actor=request.user,
            association_id=ids[0],
            data=form.values(),
            files=_files(form),
        )
        if created is not None:
            messages.success(request, _("The draft is saved: check it, then publish it."))
            return redirect("notice-detail", pk=created.pk)
    return render(request, "notices/notice_form.html", {"form": form, "title": _("New notice")})


@action_required("notice.write")
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    if not access.writes(request.user, notice):
        raise PermissionDenied
    if notice.status != Notice.Status.DRAFT:
        messages.error(request, _("Only a draft is edited; correct a published notice instead."))
        return redirect("notice-detail", pk=pk)
    form = NoticeForm(
        request.POST or None,
        request.FILES or None,
        initial=NoticeForm.initial_of(notice),
        association_ids=[notice.association_id],
    )
    if request.method == "POST" and form.is_valid():
        saved = form.call_service(
            services.notice_update,
            actor=request.user,
            notice_id=notice.pk,
            data=form.values(),
            files=_files(form),
        )
        if saved is not None:
            messages.success(request, _("The draft is saved."))
            return redirect("notice-detail", pk=pk)
    return render(
        request,
        "notices/notice_form.html",
        {"form": form, "title": _("Edit the draft"), "notice": notice},
    )


DONE = {
    "publish": gettext_lazy("Published: its recipients are being listed."),
    "withdraw": gettext_lazy("Withdrawn: recipients see it marked withdrawn."),
    "remind": gettext_lazy("Those who have not read or signed it are being reminded."),
}


@require_POST
@action_required("notice.view")
def notice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    notice = _notice(request, pk)
    user = request.user
    if action == "sign":
        form = SignForm(request.POST)
        if form.is_valid() and form.call_service(
            services.notice_sign, actor=user, notice_id=notice.pk, reply=form.cleaned_data["reply"]
        ):
            messages.success(request, _("Signed for your enterprise. Thank you."))
            return redirect("notice-detail", pk=pk)
        return _page(request, notice, sign_form=form, status=400)
    if action not in ("publish", "withdraw", "remind", "correct"):
        raise Http404
    if not access.writes(user, notice):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _page(request, notice, reason_form=form, status=400)
    try:
        if action == "publish":
            services.notice_publish(actor=user, notice_id=notice.pk)
        elif action == "withdraw":
            services.notice_withdraw(
                actor=user, notice_id=notice.pk, reason=form.cleaned_data["reason"]
            )
        elif action == "remind":
            services.notice_remind(actor=user, notice_id=notice.pk)
        else:
            fresh = services.notice_correct(actor=user, notice_id=notice.pk)
            messages.success(request, _("A corrected version is drafted: edit it, then publish."))
            return redirect("notice-edit", pk=fresh.pk)
    except DomainError as error:
        if error.fields and "reason" in error.fields:
            for problem in error.fields["reason"]:
                form.add_error("reason", problem)
            return _page(request, notice, reason_form=form, status=400)
        messages.error(request, error.message)
        return redirect("notice-detail", pk=pk)
    messages.success(request, str(DONE[action]))
    return redirect("notice-detail", pk=pk)


@action_required("notice.write")
def notice_receipts(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    if not access.writes(request.user, notice):
        raise PermissionDenied
    form = ReceiptFilterForm(request.GET or None)
    who = form.cleaned_data["who"] if form.is_valid() else ""
    filters = {
        "unread": {"read": False},
        "unsigned": {"signed": False},
        "signed": {"signed": True},
    }.get(who, {})
    rows = selectors.receipts(notice, **filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/receipts.html",
        {
            "notice": notice,
            "page": page,
            "form": form,
            "who": who,
            "figures": selectors.receipt_figures(notice),
        },
    )
