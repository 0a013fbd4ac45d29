"""Filters of the portal's log (settings.LOGGING)."""

import logging

from django.core.exceptions import BadRequest, PermissionDenied

# Answers to what the client asked, not faults of the portal: their line in the log says which
# path was refused, and a traceback would only bury the requests and real problems around it.
_CLIENT_REFUSALS = (PermissionDenied, BadRequest)


class RefusalsWithoutTraceback(logging.Filter):
    """Logs a refused request (403 PermissionDenied, 400 BadRequest) as its one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], _CLIENT_REFUSALS):
            record.exc_info = None
            record.exc_text = None
        return True
