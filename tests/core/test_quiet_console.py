"""The console of `make run` shows the requests and real problems: each line once, a refused
request without a traceback, no line per in-process Celery task, no banners."""

import re
import subprocess
import sys

from tests.make_run import ROOT, make_run_environment

# What the web process of `make run` logs around a refused page and an in-process task.
SCRIPT = """
import logging
import django
from django.core.exceptions import PermissionDenied

django.setup()
from django.utils.log import log_response
from django.http import HttpResponseForbidden
from django.test import RequestFactory

request = RequestFactory().get("/members/")
log_response(
    "Forbidden (Permission denied): %s",
    request.path,
    response=HttpResponseForbidden(),
    request=request,
    exception=PermissionDenied(),
)
logging.getLogger("django.server").info(
    '"%s" %s %s', "GET /members/ HTTP/1.1", "403", "2486", extra={"status_code": 403}
)
logging.getLogger("axes.handlers.database").info("AXES: Successful login by staff.")
logging.getLogger("axes.handlers.database").warning("AXES: New login failure by staff.")
logging.getLogger("celery.app.trace").info("Task reports.tasks.generate_report[1] succeeded")
logging.getLogger("reports.rendering").warning("No Chinese font for PDF reports")
logging.getLogger("celery.app.trace").error("Task reports.tasks.generate_report[2] raised")

from resumption_portal.celery import app

with app.connection_for_write() as connection:  # the in-memory broker of make run
    connection.as_uri()
"""


def make_run_console(tmp_path) -> str:
    environment = make_run_environment(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout + result.stderr


def test_a_refused_request_is_one_line_without_a_traceback(tmp_path):
    console = make_run_console(tmp_path)

    assert console.count("Forbidden (Permission denied): /members/") == 1
    assert "Traceback" not in console
    # and the request's own line, once, with its time as runserver writes it
    request_line = r"^\[\d\d/\w+/\d{4} [\d:,]+\] \"GET /members/ HTTP/1.1\" 403 2486$"
    assert len(re.findall(request_line, console, re.MULTILINE)) == 1


def test_in_process_tasks_that_succeed_are_quiet_and_real_problems_show(tmp_path):
    console = make_run_console(tmp_path)

    assert "succeeded" not in console
    assert console.count("Task reports.tasks.generate_report[2] raised") == 1
    assert console.count("No Chinese font for PDF reports") == 1
    assert "AXES: BEGIN" not in console
    assert "Successful login" not in console
    assert console.count("AXES: New login failure by staff.") == 1
    assert "No hostname was supplied" not in console
