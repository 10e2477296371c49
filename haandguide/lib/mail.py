"""Email from templates: every message is a subject/text/html triplet under one prefix."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send_templated(prefix: str, context: dict, to: list[str], *, connection=None) -> None:
    """Render `<prefix>_subject.txt`, `<prefix>.txt` and `<prefix>.html` and send them.

    Emails never carry a child's name or CPR number: they say that something awaits in
    Haandguide and link to it (children's data stays behind the login). A job sending many
    passes one open `connection` (`django.core.mail.mailers.default`) for all of them."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(subject=subject, body=render_to_string(f"{prefix}.txt", context), to=recipients)
    message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    if connection is None:
        message.send()
    else:
        connection.send_messages([message])
