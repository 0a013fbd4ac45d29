"""Pages of needs, offers and the supply catalogue: enterprises file needs and post offers, staff
work through the queue (matching, placing, asking, escalating), officials answer what was
escalated, and the answer comes back to the need's page for the enterprise and the staff.

- `needs`: the enterprise's needs, filing, a need's page and its actions;
- `queues`: the staff queue and the officials' list of escalated needs;
- `follow_up`: the overdue needs to follow up, with their downloads;
- `offers`: offers; `catalogue`: the supply catalogue.
"""

from supplies.views.catalogue import item_edit, item_list_page, item_new
from supplies.views.follow_up import overdue_csv, overdue_page, overdue_xlsx
from supplies.views.needs import need_action, need_detail, need_file_page, need_list_page
from supplies.views.offers import offer_list_page, offer_new, offer_withdraw
from supplies.views.queues import need_escalated_page, need_queue_page

__all__ = [
    "item_edit",
    "item_list_page",
    "item_new",
    "need_action",
    "need_detail",
    "need_escalated_page",
    "need_file_page",
    "need_list_page",
    "need_queue_page",
    "offer_list_page",
    "offer_new",
    "offer_withdraw",
    "overdue_csv",
    "overdue_page",
    "overdue_xlsx",
]
