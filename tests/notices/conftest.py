import pytest


@pytest.fixture(autouse=True)
def _tasks_run_in_the_test(monkeypatch):
    """A queued task runs as the worker would run it, when the write's transaction commits
    (in a test: inside django_capture_on_commit_callbacks(execute=True))."""
    from notices.tasks import remind_recipients, write_recipients

    monkeypatch.setattr(write_recipients, "delay", write_recipients)
    monkeypatch.setattr(remind_recipients, "delay", remind_recipients)
