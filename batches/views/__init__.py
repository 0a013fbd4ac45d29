"""Pages of resumption batches and applications: staff open batches and review applications,
enterprise users apply and confirm that they resumed, staff and officials follow the progress
and the enterprises behind it (the follow-up lists)."""

from batches.views.applications import (
    application_action,
    application_bulk_approve,
    application_detail,
    application_edit,
    application_list_page,
    application_new,
)
from batches.views.batches import (
    batch_detail,
    batch_edit,
    batch_list_page,
    batch_new,
    batch_transition,
)
from batches.views.follow_up import (
    not_applied_csv,
    not_applied_page,
    not_applied_xlsx,
    not_resumed_csv,
    not_resumed_page,
    not_resumed_xlsx,
)
from batches.views.progress import association_progress, batch_progress

__all__ = [
    "application_action",
    "application_bulk_approve",
    "application_detail",
    "application_edit",
    "application_list_page",
    "application_new",
    "association_progress",
    "batch_detail",
    "batch_edit",
    "batch_list_page",
    "batch_new",
    "batch_progress",
    "batch_transition",
    "not_applied_csv",
    "not_applied_page",
    "not_applied_xlsx",
    "not_resumed_csv",
    "not_resumed_page",
    "not_resumed_xlsx",
]
