"""A notice as an e-mail: its text from a template file, its stable Message-ID, the certificate PDF attached.

The templates are plain text files, one per notice kind (`templates/{kind}.txt`): the first line is `件名: …`
(the subject), then a blank line and the body, in Jinja2. A provider replaces any of them by putting a file of the
same name in the folder named by HOSHO_MAIL_TEMPLATES.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterable
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from hosho.domain.program import NoticeKind, ProgramVersion
from hosho.presentation.formats import day as date_ja
from hosho.programs.catalog import Catalog
from hosho.service.delivery import Outgoing
from hosho.service.views import certificate_display
from hosho.settings import SmtpSettings

SUBJECT = "件名:"


class TemplateError(ValueError):
    """A template without its `件名:` line: the message names the file."""


def templates(settings: SmtpSettings) -> Environment:
    loaders: list[Any] = [PackageLoader("hosho.mail", "templates")]
    if settings.templates is not None:
        loaders.insert(0, FileSystemLoader(settings.templates))
    return Environment(
        loader=ChoiceLoader(loaders), undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


def message_id(notice_id: int, sender: str) -> str:
    """The same for every try of one notice: a receiver drops the copy a crash may send again."""
    return f"<hosho-notice-{notice_id}@{sender.rpartition('@')[2]}>"


def compose(
    outgoing: Outgoing,
    catalog: Catalog,
    settings: SmtpSettings,
    env: Environment,
    *,
    attachment: bytes | None = None,
    sent_at: Any = None,
) -> Message:
    terms = _terms(catalog, outgoing)
    name = f"{outgoing.kind}.txt"
    text = env.get_template(name).render(**_context(outgoing, terms))
    first, _, body = text.partition("\n")
    if not first.startswith(SUBJECT):
        raise TemplateError(f"{name}: the first line must be the subject, 件名: …")
    # The legacy MIME classes: they encode Japanese headers (RFC 2047) ten times faster than the email package's
    # modern policy, whose header refolding took 10 ms a message (benchmarks/bench_notices.py).
    content = MIMEText(body.lstrip("\n"), "plain", "utf-8")
    message: Message = content
    if attachment is not None:
        message = MIMEMultipart()
        message.attach(content)
        pdf = MIMEApplication(attachment, "pdf")
        filename = f"{outgoing.certificate_number or outgoing.contract_id}.pdf"
        pdf.add_header("Content-Disposition", "attachment", filename=filename)
        message.attach(pdf)
    message["Subject"] = Header(first.removeprefix(SUBJECT).strip(), "utf-8", header_name="Subject").encode()
    message["From"] = formataddr((terms.provider, settings.sender), charset="utf-8")
    message["To"] = formataddr((f"{outgoing.name} 様", outgoing.to), charset="utf-8")
    message["Message-ID"] = message_id(outgoing.notice_id, settings.sender)
    if sent_at is not None:
        message["Date"] = format_datetime(sent_at)
    return message


def _terms(catalog: Catalog, outgoing: Outgoing) -> ProgramVersion:
    program = catalog.programs[outgoing.program]
    for terms in program.versions:
        if terms.effective_from == outgoing.terms_version:
            return terms
    return program.version_on(outgoing.terms_version)


def _context(outgoing: Outgoing, terms: ProgramVersion) -> dict[str, Any]:
    plan = terms.plans.get(outgoing.plan)
    labels = {
        NoticeKind.CERTIFICATE.value: terms.notices.certificate_clauses,
        NoticeKind.CONSUMABLE_REPLACEMENT.value: terms.notices.consumable_clauses,
        NoticeKind.COVERAGE_ENDING.value: terms.notices.coverage_ending_clauses,
    }.get(outgoing.kind, ())
    mode = plan.service_mode.value if plan is not None else None
    return {
        "name": outgoing.name,
        "program_name": terms.name,
        "provider": terms.provider,
        "plan_name": plan.name if plan is not None else outgoing.plan,
        "certificate_number": _display(outgoing.certificate_number),
        "coverage_start": date_ja(outgoing.coverage_start),
        "coverage_end": date_ja(outgoing.coverage_end),
        "around": date_ja(outgoing.about) if outgoing.about is not None else "",
        "on": date_ja(outgoing.on),
        "call_center_name": terms.call_center.name,
        "call_center_phone": terms.call_center.phone,
        "call_center_hours": terms.call_center.hours,
        "clauses": [(label, terms.clauses[label].text_for(mode)) for label in labels if label in terms.clauses],
    }


def _display(number: str | None) -> str:
    return certificate_display(number) or "—"


class Mailer:
    """One SMTP connection per batch; each message's refusal is its own, a lost connection fails the rest."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def send(self, messages: Iterable[tuple[int, Callable[[], Message]]]) -> dict[int, str | None]:
        """Send each (notice id, message made on demand): nothing is made (no PDF rendered) when the server cannot
        be reached. The answer maps each id to None (sent) or the reason it was not."""
        pending = list(messages)
        outcome: dict[int, str | None] = {}
        if not pending:
            return outcome
        try:
            with self._connect() as smtp:
                for notice_id, make in pending:
                    try:
                        message = make()
                    except Exception as exc:  # a template or certificate that cannot be made: that notice only
                        outcome[notice_id] = f"{type(exc).__name__}: {exc}"[:200]
                        continue
                    try:
                        smtp.send_message(message)
                        outcome[notice_id] = None
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                        outcome[notice_id] = _reason(exc)
        except (smtplib.SMTPException, OSError) as exc:
            for notice_id, _ in pending:
                outcome.setdefault(notice_id, _reason(exc))
        return outcome

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp


def _reason(exc: BaseException) -> str:
    """What the console shows: the SMTP code and text, or the kind of failure (never a traceback)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values()]
        return f"refused: {'; '.join(codes)}"[:200]
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"[:200]
    return f"{type(exc).__name__}: {exc}"[:200]
