"""Pages of relief: hardship assessments and the hardest-hit list.

- An enterprise asks one of its associations to assess a month ("ask"), and reads its own
  assessments with their history.
- The staff side works a queue of their associations' assessments (those waiting first, the
  oldest first), grades a request (the rule's grade, or another with a reason), refuses one with
  a reason, records an assessment directly, and adds evidence.
- The hardest-hit list (page, CSV, XLSX): the staff side their associations', officials their
  jurisdiction's across associations, without phone numbers.

Officials read no assessment by name: their assessments page is the hardest-hit list.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from associations.models import Association, Membership
from core.access import action_required, can, scope_of
from core.attachments import attachments_of, serve
from core.downloads import ascii_file_name, csv_download, file_name, xlsx_download
from core.errors import DomainError
from core.forms import ReasonForm
from core.models import Industry
from core.pagination import CountedPaginator
from core.region_names import full_name
from core.replica import replica_reads
from core.validators import display_phone
from enterprises.access import may_see_contact_details
from enterprises.models import Enterprise
from enterprises.selectors import contact_cells, with_contact_visible
from relief import access, assessment_selectors, assessment_services
from relief.forms_assessments import (
    AskForm,
    AssessForm,
    EvidenceForm,
    HardestHitFilterForm,
    QueueFilterForm,
    RecordForm,
    default_valid_until,
)
from relief.models import HardshipAssessment

PER_PAGE = 25
REFUSE_IDS = "id_refuse_%s"
HARDEST_HIT_PER_PAGE = 50


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- lists ----------------------------------------------------------------------------------


@action_required("hardship.view")
def assessment_list(request: HttpRequest) -> HttpResponse:
    """The enterprise's own assessments; for the staff side the queue of their associations'."""
    user = request.user
    scope = scope_of(user)
    if scope.kind == "jurisdiction":
        return redirect("hardest-hit")
    own = scope.is_enterprise
    form = QueueFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    if own:
        found = assessment_selectors.visible_assessments(user).order_by("-period", "-id")
    else:
        found = assessment_selectors.staff_queue(
            user,
            status=filters.get("status", ""),
            grade=filters.get("grade", ""),
            period=filters.get("period"),
        )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "relief/assessment_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "own": own,
            "may_ask": own and can(user, "hardship.request") and bool(scope.enterprise_id),
            "may_record": can(user, "hardship.assess"),
            "sees_hardest_hit": can(user, "hardship.hardest_hit"),
        },
    )


# --- asking, recording ----------------------------------------------------------------------


def _active_associations(user) -> list[Association]:
    enterprise_id = scope_of(user).enterprise_id
    if not enterprise_id:
        return []
    return list(
        Association.objects.filter(
            memberships__enterprise_id=enterprise_id,
            memberships__status=Membership.Status.ACTIVE,
        ).order_by("name", "id")
    )


@action_required("hardship.request")
def assessment_ask(request: HttpRequest) -> HttpResponse:
    user = request.user
    associations = _active_associations(user)
    form = None
    if associations:
        form = AskForm(request.POST or None, request.FILES or None, associations=associations)
        if len(associations) == 1 and not form.is_bound:
            form.initial["association"] = associations[0].pk
        if not form.is_bound:
            form.initial["period"] = timezone.localdate().replace(day=1)
        if request.method == "POST" and form.is_valid():
            created = form.call_service(
                assessment_services.assessment_request,
                actor=user,
                enterprise_id=scope_of(user).enterprise_id,
                association_id=form.cleaned_data["association"],
                period=form.cleaned_data["period"],
                attachments=form.cleaned_data["attachments"],
                **form.figures(),
            )
            if created is not None:
                messages.success(
                    request, _("Your request is sent; the association's staff will assess it.")
                )
                return redirect("assessment-detail", pk=created.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "relief/assessment_form.html",
        {"form": form, "asking": True, "title": _("Ask for a hardship assessment")},
    )


def _associations_worked_for(user) -> list[Association]:
    scope = scope_of(user)
    associations = Association.objects.order_by("name", "id")
    if not scope.is_admin:
        associations = associations.filter(pk__in=scope.association_ids or [])
    return list(associations)


def _member_named(text: str, association_id: int) -> Enterprise | None:
    """The member of the association whose credit code, or exact name, is `text`."""
    text = text.strip()
    members = Enterprise.objects.filter(
        memberships__association_id=association_id,
        memberships__status__in=Membership.MEMBER,
    )
    found = members.filter(Q(uscc=text.upper()) | Q(name=text)).distinct()[:2]
    return found[0] if len(found) == 1 else None


@action_required("hardship.assess")
def assessment_record(request: HttpRequest) -> HttpResponse:
    user = request.user
    associations = _associations_worked_for(user)
    if not associations:
        raise PermissionDenied
    form = RecordForm(request.POST or None, request.FILES or None, associations=associations)
    if not form.is_bound:
        form.initial["period"] = timezone.localdate().replace(day=1)
        form.initial["valid_until"] = default_valid_until()
        chosen = request.GET.get("enterprise", "")
        if chosen.isdigit():
            enterprise = Enterprise.objects.filter(
                pk=int(chosen),
                memberships__association__in=associations,
                memberships__status__in=Membership.MEMBER,
            ).first()
            if enterprise is not None:
                form.initial["enterprise"] = enterprise.uscc or enterprise.name
    if request.method == "POST" and form.is_valid():
        association_id = form.cleaned_data["association"]
        enterprise = _member_named(form.cleaned_data["enterprise"], association_id)
        if enterprise is None:
            form.add_error(
                "enterprise",
                _("No single member of the association has this credit code or name."),
            )
        else:
            created = form.call_service(
                assessment_services.assessment_record,
                actor=user,
                enterprise_id=enterprise.pk,
                association_id=association_id,
                period=form.cleaned_data["period"],
                valid_until=form.cleaned_data["valid_until"],
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"],
                attachments=form.cleaned_data["attachments"],
                **form.figures(),
            )
            if created is not None:
                messages.success(
                    request,
                    _("The assessment is recorded: %(grade)s.")
                    % {"grade": created.get_grade_display()},
                )
                return redirect("assessment-detail", pk=created.pk)
    return render(
        request,
        "relief/assessment_form.html",
        {
            "form": form,
            "asking": False,
            "title": _("Record a hardship assessment"),
            "rule": assessment_services.GRADE_RULE,
        },
    )


# --- one assessment ---------------------------------------------------------------------------


def _assessment_page(request, assessment, *, forms=None, status=200):
    user = request.user
    forms = forms or {}
    actions = access.assessment_actions(user, assessment)
    computed = assessment.computed_grade or assessment_services.grade_for(assessment)
    context = {
        "a": assessment,
        "allowed_actions": actions,
        "own": access.may_request(user, assessment.enterprise_id),
        "computed": computed,
        "computed_label": dict(HardshipAssessment._meta.get_field("grade").choices).get(computed),
        "rule": assessment_services.GRADE_RULE,
        "history": assessment_selectors.assessment_history(user, assessment),
        "attachments": attachments_of(assessment),
        "assess_form": forms.get("assess")
        or AssessForm(computed=computed, initial={"valid_until": default_valid_until()}),
        "reason_form": forms.get("refuse") or ReasonForm(auto_id=REFUSE_IDS),
        "attach_form": forms.get("attach") or EvidenceForm(),
        "expired": bool(assessment.valid_until and assessment.valid_until < timezone.localdate()),
    }
    return render(request, "relief/assessment_detail.html", context, status=status)


@action_required("hardship.view")
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(assessment_selectors.visible_assessments(request.user), pk=pk)
    return _assessment_page(request, assessment)


@action_required("hardship.view")
def assessment_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    assessment = get_object_or_404(assessment_selectors.visible_assessments(request.user), pk=pk)
    return serve(get_object_or_404(attachments_of(assessment), pk=attachment_id))


def _assess(user, assessment, data):
    return assessment_services.assessment_assess(
        actor=user,
        assessment_id=assessment.pk,
        valid_until=data["valid_until"],
        grade=data["grade"],
        reason=data["reason"],
    )


def _refuse(user, assessment, data):
    return assessment_services.assessment_refuse(
        actor=user, assessment_id=assessment.pk, reason=data["reason"]
    )


def _attach(user, assessment, data):
    return assessment_services.assessment_attach(
        actor=user, assessment_id=assessment.pk, attachments=data["attachments"]
    )


# action: (its form class, what it does, what the person is told)
ACTIONS = {
    "assess": (AssessForm, _assess, gettext_lazy("The assessment is graded.")),
    "refuse": (
        ReasonForm,
        _refuse,
        gettext_lazy("The request is refused; the enterprise sees your reason."),
    ),
    "attach": (EvidenceForm, _attach, gettext_lazy("The evidence is added.")),
}


@require_POST
@action_required("hardship.view")
def assessment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    assessment = get_object_or_404(assessment_selectors.visible_assessments(request.user), pk=pk)
    if action not in ACTIONS:
        raise Http404
    form_class, perform, done = ACTIONS[action]
    if action == "attach":
        if not (
            access.may_request(request.user, assessment.enterprise_id)
            or access.may_assess(request.user, assessment.association_id)
        ):
            raise PermissionDenied
        form = form_class(request.POST, request.FILES)
    elif not access.may_assess(request.user, assessment.association_id):
        raise PermissionDenied
    elif action == "assess":
        form = form_class(request.POST, computed=assessment.computed_grade)
    else:
        form = form_class(request.POST, auto_id=REFUSE_IDS)
    if form.is_valid():
        try:
            perform(request.user, assessment, form.cleaned_data)
        except DomainError as error:
            if not error.fields:
                # The assessment's state (another person acted first), not the input.
                messages.error(request, error.message)
                return redirect("assessment-detail", pk=assessment.pk)
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, str(done))
            return redirect("assessment-detail", pk=assessment.pk)
    assessment.refresh_from_db()
    return _assessment_page(request, assessment, forms={action: form}, status=400)


# --- the hardest-hit list -------------------------------------------------------------------


def _hardest_hit_whole(user) -> dict[int, tuple[int, Decimal]] | None:
    """The figures of the user's whole hardest-hit list by association
    (`assessment_selectors.hardest_hit_figures`), for those whose choice of associations is the
    list's (officials, admins); None for the staff side, who choose among their own."""
    if scope_of(user).kind == "associations":
        return None
    return assessment_selectors.hardest_hit_figures(user, assessment_selectors.hardest_hit(user))


def _hardest_hit_associations(user, whole: dict | None) -> list[Association]:
    """The associations the list may be narrowed to: the staff side's own; for officials and
    admins those whose assessments are on their list."""
    if whole is None:
        scope = scope_of(user)
        return list(Association.objects.filter(pk__in=scope.association_ids).order_by("name"))
    return list(Association.objects.filter(pk__in=list(whole)).order_by("name", "id"))


def _hardest_hit_filters(
    request: HttpRequest, whole: dict | None
) -> tuple[HardestHitFilterForm, dict | None]:
    associations = _hardest_hit_associations(request.user, whole)
    chosen = request.GET.get("association", "").strip()
    association = None
    if chosen:
        association = next((a for a in associations if str(a.pk) == chosen), None)
        if association is None:
            raise Http404
    form = HardestHitFilterForm(request.GET, associations=associations)
    if not form.is_valid():
        return form, None
    code = form.cleaned_data["industry"]
    return form, {
        "association": association,
        "region": form.cleaned_data["region"],
        "industry": Industry.objects.filter(code=code).first() if code else None,
        "cause": form.cleaned_data["cause"],
    }


def _hardest_hit_rows(request: HttpRequest, filters: dict):
    association = filters["association"]
    return assessment_selectors.hardest_hit(
        request.user,
        association_id=association.pk if association else None,
        region=filters["region"],
        industry=filters["industry"],
        cause=filters["cause"],
    )


def _hardest_hit_query(filters: dict) -> str:
    params = {
        "association": filters["association"].pk if filters["association"] else "",
        "region": filters["region"].code if filters["region"] else "",
        "industry": filters["industry"].code if filters["industry"] else "",
        "cause": filters["cause"],
    }
    return urlencode({key: value for key, value in params.items() if value})


@action_required("hardship.hardest_hit")
def hardest_hit_page(request: HttpRequest) -> HttpResponse:
    whole = _hardest_hit_whole(request.user)
    form, filters = _hardest_hit_filters(request, whole)
    figures = {}
    if filters is None:
        rows = HardshipAssessment.objects.none()
    else:
        rows = _hardest_hit_rows(request, filters)
        # The count and the total of the list as narrowed, in one pass: the whole list's
        # figures, already read for the choice of associations, when nothing narrows it.
        narrowed = whole is None or any(filters.values())
        figures = (
            assessment_selectors.hardest_hit_figures(request.user, rows) if narrowed else whole
        )
        rows = with_contact_visible(rows, user=request.user, enterprise="enterprise_id")
    count = sum(n for n, _money in figures.values())
    total = sum((money for _n, money in figures.values()), Decimal("0.00"))
    page = CountedPaginator(rows, HARDEST_HIT_PER_PAGE, count=count).get_page(
        request.GET.get("page")
    )
    listed = assessment_selectors.with_scheme_names(request.user, list(page.object_list))
    for row in listed:
        if not row.contact_visible:
            row.enterprise.contact_name = row.enterprise.contact_phone = ""
        row.phone = display_phone(row.enterprise.contact_phone)
    query = _hardest_hit_query(filters) if filters is not None else ""
    scope = scope_of(request.user)
    return render(
        request,
        "relief/hardest_hit.html",
        {
            "form": form,
            "filters_read": filters is not None,
            "page": page,
            "rows": listed,
            "query": query,
            "relief_total": total,
            "show_contact": may_see_contact_details(request.user),
            "several_associations": scope.kind != "associations" or len(scope.association_ids) > 1,
            "jurisdiction": (
                full_name(request.user.jurisdiction) if scope.kind == "jurisdiction" else ""
            ),
            "export_limit": assessment_selectors.EXPORT_LIMIT,
            "capped": page.paginator.count > assessment_selectors.EXPORT_LIMIT,
            "csv_url": f"{reverse('hardest-hit-csv')}?{query}",
            "xlsx_url": f"{reverse('hardest-hit-xlsx')}?{query}",
        },
    )


def _header(show_contact: bool) -> list[str]:
    header = [
        _("Enterprise"),
        _("Unified social credit code"),
        _("Region code"),
        _("Region"),
        _("Industry code"),
        _("Industry"),
        _("Association"),
        _("Month"),
        _("Grade"),
        _("Grade by the rule"),
        _("Cause"),
        _("Revenue drop (%)"),
        _("Months of cash left"),
        _("Valid until"),
        _("Relief granted (yuan)"),
        _("Relief schemes"),
    ]
    return [*header, _("Contact person"), _("Contact phone")] if show_contact else header


CHUNK = 2000


def _download_rows(user, rows, show_contact: bool):
    chunk: list = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _cells(user, chunk, show_contact)
            chunk = []
    yield from _cells(user, chunk, show_contact)


def _cells(user, chunk: list, show_contact: bool):
    for row in assessment_selectors.with_scheme_names(user, chunk):
        enterprise, industry = row.enterprise, row.enterprise.industry
        cells = [
            enterprise.name,
            enterprise.uscc,
            enterprise.region_id,
            full_name(enterprise.region),
            industry.code if industry else "",
            industry.name if industry else "",
            row.association.name,
            f"{row.period:%Y-%m}",
            str(row.get_grade_display()),
            str(row.get_computed_grade_display()),
            str(row.get_cause_display()),
            row.revenue_drop_percent,
            row.months_of_cash,
            row.valid_until,
            row.relief_total,
            "、".join(row.relief_schemes),
        ]
        if show_contact:
            cells += contact_cells(enterprise, visible=row.contact_visible)
        yield cells


@replica_reads
def _download(request: HttpRequest, extension: str) -> HttpResponse:
    _form, filters = _hardest_hit_filters(request, _hardest_hit_whole(request.user))
    if filters is None:
        raise Http404
    show_contact = may_see_contact_details(request.user)
    rows = with_contact_visible(
        _hardest_hit_rows(request, filters), user=request.user, enterprise="enterprise_id"
    )[: assessment_selectors.EXPORT_LIMIT]
    region = filters["region"]
    name = file_name([_("Hardest hit"), region.name if region else ""], extension)
    ascii_name = ascii_file_name(["hardest-hit", region.code if region else ""], extension)
    cells = _download_rows(request.user, rows, show_contact)
    header = _header(show_contact)
    if extension == "csv":
        return csv_download(header, cells, name=name, ascii_name=ascii_name)
    return xlsx_download(
        header, cells, name=name, ascii_name=ascii_name, sheet_title=_("Hardest hit")
    )


@action_required("hardship.hardest_hit")
def hardest_hit_csv(request: HttpRequest) -> HttpResponse:
    return _download(request, "csv")


@action_required("hardship.hardest_hit")
def hardest_hit_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, "xlsx")


urlpatterns = [
    path("assessments/", assessment_list, name="assessment-list"),
    path("assessments/ask/", assessment_ask, name="assessment-ask"),
    path("assessments/record/", assessment_record, name="assessment-record"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment-detail"),
    path(
        "assessments/<int:pk>/attachments/<int:attachment_id>/",
        assessment_attachment,
        name="assessment-attachment",
    ),
    path("assessments/<int:pk>/<str:action>/", assessment_action, name="assessment-action"),
    path("hardest-hit/", hardest_hit_page, name="hardest-hit"),
    path("hardest-hit.csv", hardest_hit_csv, name="hardest-hit-csv"),
    path("hardest-hit.xlsx", hardest_hit_xlsx, name="hardest-hit-xlsx"),
]
