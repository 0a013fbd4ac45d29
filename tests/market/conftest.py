import pytest


@pytest.fixture(autouse=True)
def _tasks_run_in_the_test(monkeypatch):
    """A queued task runs as the worker would run it, when the write's transaction commits
    (in a test: inside django_capture_on_commit_callbacks(execute=True))."""
    from market.tasks import ask_members_to_sign

    monkeypatch.setattr(ask_members_to_sign, "delay", ask_members_to_sign)
