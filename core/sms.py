"""Text messages to mobile phones, through a pluggable sender (`SMS_BACKEND`).

A sender is a class with `send(number, text)`; it raises on a failure worth trying again (the
task that calls it retries, like e-mail). The portal ships two:

- `core.sms.ConsoleBackend` (the default): writes the message to the standard output, like
  Django's console e-mail backend, for `make run` and for deployments that have no SMS gateway yet
  (their users sign up with an e-mail address);
- `core.sms.MemoryBackend`: keeps the messages in `core.sms.outbox`, for tests.

A gateway (a provider's HTTP API) is a class of a few lines in the deployment's own package,
named in `SMS_BACKEND`.
"""

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    number: str
    text: str


outbox: list[TextMessage] = []


class ConsoleBackend:
    def send(self, number: str, text: str) -> None:
        sys.stdout.write(f"Text message to {number}:\n{text}\n{'-' * 79}\n")
        sys.stdout.flush()


class MemoryBackend:
    def send(self, number: str, text: str) -> None:
        outbox.append(TextMessage(number, text))


def send_text(number: str, text: str) -> None:
    """Send `text` to the mobile `number` (E.164) by the configured sender."""
    import_string(settings.SMS_BACKEND)().send(number, text)
