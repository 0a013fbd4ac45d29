# Placeholder views being written now; every one answers 404 until it is replaced.
from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


batch_list_page = batch_new = association_progress = batch_detail = batch_edit = _todo
batch_progress = application_new = batch_transition = application_list_page = _todo
application_bulk_approve = application_detail = application_edit = application_action = _todo
