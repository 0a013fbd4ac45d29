"""`make loadtest`: simulated people of every role against gunicorn on loopback (locust).

`accounts` makes the load test's accounts in the bench database, `locustfile` is what each
simulated person does, `endpoints` names the URLs they ask for, and `__main__` (the runner)
starts gunicorn and a Celery worker, runs locust headless for a bounded time and prints the
figures. See README.md (Load test) and docs/decisions/0035-load-test.md.
"""
