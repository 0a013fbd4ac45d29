"""Mail servers that fail, as e-mail backends (settings.EMAIL_BACKEND = "tests.mail_servers.…").

Each counts its attempts on the class, so that a test can read them whichever thread (a Celery
worker's) sent; `reset()` before each test that uses them. What they deliver goes to
django.core.mail.outbox, as with the locmem backend of the test settings.
"""

import smtplib
from collections import Counter

from django.core.mail.backends.locmem import EmailBackend as OutboxBackend


class MailServerDown(OutboxBackend):
    """Every attempt fails as a server that hangs up does."""

    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class MailServerFailsOnce(OutboxBackend):
    """The first attempt for each address fails; the next ones are delivered."""

    attempts: Counter = Counter()

    def send_messages(self, messages):
        for message in messages:
            for address in message.to:
                self.attempts[address] += 1
                if self.attempts[address] == 1:
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class AddressRefused(OutboxBackend):
    """The server answers, and refuses the address."""

    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        raise smtplib.SMTPRecipientsRefused({"x@example.cn": (550, b"No such user")})


def reset() -> None:
    MailServerDown.attempts = 0
    MailServerFailsOnce.attempts = Counter()
    AddressRefused.attempts = 0
