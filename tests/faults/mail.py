"""A real SMTP server on a local port, in a thread: it takes what it is sent and says so (250)
after the end of the message, or — with `hold_next` — keeps the next message's sender waiting
for that answer until the sender goes away, as a slow mail server would; a message never
answered was never taken (SMTP: the server is responsible for a message once it said 250)."""

import socketserver
import threading


class _Session(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        server: MailServer = self.server.mail
        self.reply("220 localhost ESMTP test")
        recipients: list[str] = []
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = line.decode().split(":", 1)[1].strip().strip("<>")
                recipients.append(address)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                text = self.read_message()
                if server.take_hold():
                    self.wait_for_the_sender_to_leave()
                    server.holding = False
                    return
                server.delivered += [(address, text) for address in recipients]
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:  # RSET, NOOP
                self.reply("250 OK")

    def read_message(self) -> str:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line.decode(errors="replace"))
        return "".join(lines)

    def wait_for_the_sender_to_leave(self) -> None:
        self.request.settimeout(60)
        try:
            while self.request.recv(1024):
                pass
        except OSError:
            pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class MailServer:
    def __init__(self):
        self.delivered: list[tuple[str, str]] = []
        self.hold_next = False
        self.holding = False
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Session)
        self._server.mail = self
        self.port = self._server.server_address[1]

    def take_hold(self) -> bool:
        with self._lock:
            if not self.hold_next:
                return False
            self.hold_next = False
            self.holding = True
            return True

    def __enter__(self) -> "MailServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


__all__ = ["MailServer"]
