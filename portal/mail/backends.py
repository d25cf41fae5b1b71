"""Delivery backends: "smtp" sends, "file" writes .eml files (development)."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from .. import timeutil


class DeliveryError(Exception):
    """A message could not be delivered.

    ``permanent``: retrying will not help (recipient refused with 5xx).
    ``stop``: the backend itself is unusable (server down, login refused);
    later messages in the same run would fail the same way.
    """

    def __init__(self, message: str, *, permanent: bool = False, stop: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.stop = stop


class FileBackend:
    """Write each message to ``MAIL_FOLDER/<utc time>-<id>.eml``."""

    def __init__(self, config: dict):
        self.folder = Path(config["MAIL_FOLDER"])

    def send(self, message: EmailMessage, sender: str, recipient: str, outbox_id: int) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = timeutil.now().strftime("%Y%m%d-%H%M%S")
            target = self.folder / f"{stamp}-{outbox_id:06d}.eml"
            partial = target.with_suffix(".eml.part")
            partial.write_bytes(bytes(message))
            os.replace(partial, target)  # readers never see half a file
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.folder}: {exc}", stop=True) from exc

    def close(self) -> None:
        pass


class SMTPBackend:
    """One SMTP connection per run, opened on the first message and reused."""

    def __init__(self, config: dict):
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        host, port, timeout = cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), float(cfg["SMTP_TIMEOUT"])
        try:
            if cfg.get("SMTP_SSL"):
                conn = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                        context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(host, port, timeout=timeout)
                if cfg.get("SMTP_STARTTLS"):
                    conn.ehlo()
                    conn.starttls(context=ssl.create_default_context())
                    conn.ehlo()
            if cfg.get("SMTP_USERNAME"):
                conn.login(cfg["SMTP_USERNAME"], cfg.get("SMTP_PASSWORD") or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                                stop=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"cannot connect to SMTP server {host}:{port}: {exc}",
                                stop=True) from exc
        return conn

    def send(self, message: EmailMessage, sender: str, recipient: str, outbox_id: int) -> None:
        if self.conn is None:
            self.conn = self._connect()
        try:
            self.conn.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (0, b""))
            raise DeliveryError(f"recipient refused: {code} {_text(text)}",
                                permanent=500 <= code < 600) from exc
        except smtplib.SMTPSenderRefused as exc:
            # The envelope sender (MAIL_FROM) is refused: configuration, not this message.
            raise DeliveryError(f"sender refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                                stop=True) from exc
        except smtplib.SMTPDataError as exc:
            # 5xx after DATA: the server rejects this message (size, content, policy).
            raise DeliveryError(f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                                permanent=500 <= exc.smtp_code < 600) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(f"SMTP connection failed: {exc}", stop=True) from exc

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()


BACKENDS = {"file": FileBackend, "smtp": SMTPBackend}


def make_backend(config: dict):
    name = config.get("MAIL_BACKEND") or "file"
    if name not in BACKENDS:
        raise ValueError(f"MAIL_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    return BACKENDS[name](config)


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())
