"""E-mail notifier: one plain-text message per alert over SMTP (STARTTLS or implicit TLS)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr

from limner.errors import UnavailableError


class EmailNotifierConfig(BaseModel):
    kind: Literal["email"] = "email"
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="'none' only for a relay on this machine"
    )
    ca_file: Path | None = None
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(description="From: address")
    recipients: list[str] = Field(min_length=1, description="To: addresses")
    timeout_s: float = Field(default=10.0, gt=0)


def compose(alert: dict[str, Any], sender: str, recipients: list[str]) -> EmailMessage:
    principal = alert["principal"]
    message = EmailMessage()
    message["From"], message["To"] = sender, ", ".join(recipients)
    message["Subject"] = f"[Limner] {alert['severity']} alert: {alert['rule']} ({principal['type']})"
    lines = [
        f"Rule: {alert['rule']}",
        f"Severity: {alert['severity']}",
        f"Principal: {principal['type']} {principal['id']}",
        f"Raised at: {alert['created_at']}",
        f"Alert id: {alert['id']}",
        f"Detail: {alert['detail']}",
        f"Evidence (audit event ids): {', '.join(alert['evidence'])}",
        "",
        f"Acknowledge with: limner alerts ack {alert['id']}",
    ]
    message.set_content("\n".join(lines))
    return message


class EmailNotifier:
    def __init__(self, config: EmailNotifierConfig) -> None:
        self.config = config

    async def send(self, alert: dict[str, Any]) -> None:
        message = compose(alert, self.config.sender, self.config.recipients)
        try:
            await asyncio.to_thread(self._deliver, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise UnavailableError(
                f"SMTP server {self.config.host}:{self.config.port} refused the alert"
            ) from exc

    def _deliver(self, message: EmailMessage) -> None:
        c = self.config
        context = ssl.create_default_context(cafile=str(c.ca_file) if c.ca_file else None)
        smtp_class = smtplib.SMTP_SSL if c.security == "tls" else smtplib.SMTP
        kwargs: dict[str, Any] = {"context": context} if c.security == "tls" else {}
        with smtp_class(c.host, c.port, timeout=c.timeout_s, **kwargs) as smtp:
            if c.security == "starttls":
                smtp.starttls(context=context)
            if c.username and c.password:
                smtp.login(c.username, c.password.get_secret_value())
            smtp.send_message(message)

    async def aclose(self) -> None:
        return None
