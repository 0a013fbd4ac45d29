"""Real concurrency for the tests that prove a rule under parallel transactions: each job runs
in a thread of its own, with its own PostgreSQL connection, all released at once by a barrier."""

import threading
from collections.abc import Callable

from django.db import connection

JOIN_TIMEOUT = 60  # seconds; a thread still running after it is a hang or a deadlock


def run_together(jobs: list[Callable[[], object]]) -> list[tuple[str, object]]:
    """Run every job in a thread of its own, all released at once; ("ok", result) or
    ("error", exception) per job, in the jobs' order."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[tuple[str, object] | None] = [None] * len(jobs)

    def work(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[index] = ("ok", job())
        except BaseException as exc:  # reported to the test, which judges it
            outcomes[index] = ("error", exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=work, args=item, daemon=True) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    hung = sum(thread.is_alive() for thread in threads)
    assert not hung, f"{hung} threads still running after {JOIN_TIMEOUT} s: deadlock or hang"
    return outcomes
