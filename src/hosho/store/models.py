"""Tables. Portable types only: SQLite is the embedded default, PostgreSQL production, one set of migrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# BIGINT ids on PostgreSQL, INTEGER (the rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")
KEY_NAME_LENGTH = 200
USERNAME_LENGTH = 80
# Derived text: an actor is "key:<key name>" or "user:<user name>" (service.keys, service.users), and the
# Idempotency-Key's scope "actor:<actor>" or "retailer:<id>" (service.context.Actor): as long as the longest.
ACTOR_LENGTH = max(len("key:") + KEY_NAME_LENGTH, len("user:") + USERNAME_LENGTH)
SCOPE_LENGTH = len("actor:") + ACTOR_LENGTH
DATE_STYLE_LENGTH = 10  # "seireki", "wareki"
SALE_REF_LENGTH = 40  # import.md: 受付番号, at most 40 characters


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Retailer(Base):
    """A sales channel: its contracts are all a retailer key may see."""

    __tablename__ = "retailers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Subscriber(Base):
    __tablename__ = "subscribers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str | None] = mapped_column(String(200))
    # Normalized forms for search (NFKC, katakana, no spaces or hyphens): see service.search.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    kana_key: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_key: Mapped[str | None] = mapped_column(String(40), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    postal_code: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(400))


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("idempotency_scope", "idempotency_key", name="uq_contracts_idempotency"),
        # import.md: a retailer's sale reference is one contract (a rerun of a file stores it once).
        UniqueConstraint("retailer_id", "sale_ref", name="uq_contracts_retailer_sale"),
        Index("ix_contracts_status_coverage_end", "status", "coverage_end"),
        # Consumable replacement (service.consumables): one plan's active contracts by purchase date.
        Index("ix_contracts_plan_purchase", "program_id", "plan_id", "status", "terms_version", "purchase_date"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[str] = mapped_column(String(40))
    terms_version: Mapped[date] = mapped_column(Date)
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"), index=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    purchase_date: Mapped[date] = mapped_column(Date)
    applied_on: Mapped[date] = mapped_column(Date)
    purchase_price: Mapped[int | None] = mapped_column(BigInteger)
    warranty_fee: Mapped[int | None] = mapped_column(BigInteger)
    manufacturer_warranty_months: Mapped[int] = mapped_column(Integer)
    repair_cap: Mapped[int | None] = mapped_column(BigInteger)
    operation_start_date: Mapped[date | None] = mapped_column(Date)
    site_postal_code: Mapped[str | None] = mapped_column(String(8))
    site_country: Mapped[str] = mapped_column(String(2))
    remote_island: Mapped[bool] = mapped_column(Boolean)
    maker_onsite_repair: Mapped[bool] = mapped_column(Boolean)
    coverage_start: Mapped[date] = mapped_column(Date)
    coverage_end: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    # Canonical form without separators (ZEST2025000012347); shown as ZEST-2025-00001234-7.
    certificate_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    certificate_issued_on: Mapped[date | None] = mapped_column(Date)
    unreported_replacement: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    refund: Mapped[int | None] = mapped_column(BigInteger)
    # Idempotency-Key of the enrolment, unique per caller (a retailer, or an internal key).
    idempotency_scope: Mapped[str | None] = mapped_column(String(SCOPE_LENGTH))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    sale_ref: Mapped[str | None] = mapped_column(String(SALE_REF_LENGTH))  # 受付番号 of an imported contract
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative form

    subscriber: Mapped[Subscriber] = relationship(lazy="joined")
    retailer: Mapped[Retailer | None] = relationship(lazy="joined")  # its code is shown with the contract
    equipment: Mapped[list[Equipment]] = relationship(
        back_populates="contract", order_by="Equipment.id", cascade="all, delete-orphan", lazy="selectin"
    )
    cases: Mapped[list[RepairCase]] = relationship(
        back_populates="contract", order_by="RepairCase.number", cascade="all, delete-orphan", lazy="selectin"
    )


class Equipment(Base):
    __tablename__ = "equipment"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(100))
    serial: Mapped[str] = mapped_column(String(100))
    serial_key: Mapped[str] = mapped_column(String(100), index=True)  # service.search.code_key(serial)
    service_mode: Mapped[str | None] = mapped_column(String(20))
    replaced_on: Mapped[date | None] = mapped_column(Date)
    contract: Mapped[Contract] = relationship(back_populates="equipment")


class RepairCase(Base):
    """A repair request and its case; `events` is its status history."""

    __tablename__ = "repair_cases"
    __table_args__ = (
        UniqueConstraint("contract_id", "number", name="uq_repair_cases_contract_number"),
        # The daily sweep's SLA breaches (service.notices): open cases by target date.
        Index("ix_repair_cases_state_visit_by", "state", "visit_by"),
        Index("ix_repair_cases_state_repair_due", "state", "repair_due"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_on: Mapped[date] = mapped_column(Date, index=True)
    cause: Mapped[str] = mapped_column(String(40))
    covered: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(20), index=True)
    visit_by: Mapped[date | None] = mapped_column(Date)
    item_arrived_on: Mapped[date | None] = mapped_column(Date)
    repair_due: Mapped[date | None] = mapped_column(Date)
    estimate: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str | None] = mapped_column(String(20))
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    review: Mapped[str | None] = mapped_column(String(20), index=True)  # pending / decided (domain ReviewState)
    dispute: Mapped[str | None] = mapped_column(String(20), index=True)  # open / closed (zest 第11条)
    item_serial: Mapped[str | None] = mapped_column(String(100))  # the failed item a request names
    contract: Mapped[Contract] = relationship(back_populates="cases")
    events: Mapped[list[CaseEvent]] = relationship(
        order_by="CaseEvent.id", cascade="all, delete-orphan", lazy="selectin"
    )


class CaseEvent(Base):
    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("repair_cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(40))
    on_date: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Cancellation(Base):
    """At most one per contract: the unique key is what makes a second refund impossible."""

    __tablename__ = "cancellations"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), unique=True)
    cancelled_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))
    transfer_fee: Mapped[int] = mapped_column(BigInteger)
    refund: Mapped[int] = mapped_column(BigInteger)
    clauses: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChangeReport(Base):
    __tablename__ = "change_reports"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # contact_change, ownership_transfer, maker_replacement
    reported_on: Mapped[date] = mapped_column(Date)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    display_name: Mapped[str] = mapped_column(String(200))
    # A deactivated user cannot sign in, and deactivation ends the user's sessions (`hosho users deactivate`).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class UserPreference(Base):
    """A console user's own settings: how dates are written to them (西暦 or 和暦, presentation/formats.py)."""

    __tablename__ = "user_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    date_style: Mapped[str] = mapped_column(String(DATE_STYLE_LENGTH))


class ConsumableReplacementDone(Base):
    """A consumable replacement (消耗部品の交換) that was carried out: it leaves the list of those to call about."""

    __tablename__ = "consumable_replacements_done"
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    done_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsoleSession(Base):
    """A signed-in console session: its cookie carries a random token, only the token's SHA-256 is stored here.

    Signing out deletes the row; a password change or a deactivation deletes all of the user's rows. Every
    worker reads the same rows, so a session ends everywhere at once.
    """

    __tablename__ = "console_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInFailures(Base):
    """Failed sign-ins in a row for one user name or one client address (shared by every worker)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (UniqueConstraint("scope", "subject", name="uq_sign_in_failures_scope_subject"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # "user" or "address"
    subject: Mapped[str] = mapped_column(String(200))  # the normalised user name as typed, or the address
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ApiKey(Base):
    """Only a hash of the secret is stored; the prefix finds the row."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    name: Mapped[str] = mapped_column(String(KEY_NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only: who, when, what, before and after. Never updated or deleted by Hosho."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Id)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ProgramClosure(Base):
    """A program's company closures (弊社特定休日) for one year, set by the provider's staff: they replace the terms'
    annual closures that start in that year (domain.calendar.Closures.by_year)."""

    __tablename__ = "program_closures"
    program_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    ranges: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"first": ISO, "last": ISO, "name": str|None}]
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


# --- refund payouts (payouts.md) ----------------------------------------------------------------------------------


class ZenginBank(Base):
    """A bank of the Zengin code data, as of a dated snapshot (the `zengin-code` package's data)."""

    __tablename__ = "zengin_banks"
    snapshot: Mapped[date] = mapped_column(Date, primary_key=True)
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kana: Mapped[str] = mapped_column(String(60))


class ZenginBranch(Base):
    __tablename__ = "zengin_branches"
    snapshot: Mapped[date] = mapped_column(Date, primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kana: Mapped[str] = mapped_column(String(60))


class BankAccount(Base):
    """An account a refund is paid to, as given (append-only: a new account is a new row). The bank's and branch's
    names are kept as they were in the snapshot, so an old refund shows the names it was paid with."""

    __tablename__ = "bank_accounts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"), index=True)
    bank_code: Mapped[str] = mapped_column(String(4))
    bank_name: Mapped[str] = mapped_column(String(60))
    bank_kana: Mapped[str] = mapped_column(String(15))
    branch_code: Mapped[str] = mapped_column(String(3))
    branch_name: Mapped[str] = mapped_column(String(60))
    branch_kana: Mapped[str] = mapped_column(String(15))
    account_type: Mapped[int] = mapped_column(Integer)
    account_number: Mapped[str] = mapped_column(String(7))
    holder: Mapped[str] = mapped_column(String(30))  # Zengin kana, as the file carries it
    snapshot: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Refund(Base):
    """A refund owed after a cancellation: its amount never changes; its status follows the payout."""

    __tablename__ = "refunds"
    __table_args__ = (Index("ix_refunds_status", "status", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int | None] = mapped_column(Id)
    batch_id: Mapped[int | None] = mapped_column(Id, index=True)
    created_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RefundEntry(Base):
    """The refund ledger: append-only; a correction is a new entry that reverses an old one (電子帳簿保存法)."""

    __tablename__ = "refund_entries"
    __table_args__ = (Index("ix_refund_entries_refund", "refund_id", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"))
    kind: Mapped[str] = mapped_column(String(30))  # owed, account_given, batched, batch_cancelled, paid, returned
    amount: Mapped[int] = mapped_column(BigInteger)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    batch_id: Mapped[int | None] = mapped_column(Id)
    reverses: Mapped[int | None] = mapped_column(Id)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class PayoutBatch(Base):
    """A 総合振込 file's worth of refunds; cancelled before it is sent, its refunds are ready again."""

    __tablename__ = "payout_batches"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    transfer_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # created, cancelled
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class Notice(Base):
    """A notice produced by the daily work (notices.md): at most one per contract (or case) and kind.

    `subject_id` is the contract's id, or the case's for a case's notice (sla_breach): the unique key on
    (kind, subject_id) is what makes every notice exactly once, whatever runs twice or at once.
    """

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", name="uq_notices_kind_subject"),
        Index("ix_notices_state_id", "state", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Id)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("repair_cases.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(Date)  # the day whose daily work produced it
    about: Mapped[date | None] = mapped_column(Date)  # the date it is about: around, coverage_end, visit_by, …
    channel: Mapped[str] = mapped_column(String(10))  # email, call (電話), post (書面), desk (the repair desk)
    state: Mapped[str] = mapped_column(String(10))  # pending, sent, failed, done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # An e-mail's next try (after a failure), or the end of a sending worker's lease.
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(400))  # a call's outcome, as the operator recorded it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DailyRun(Base):
    """The last day whose daily work is done, per job: a day missed while the service was down is caught up."""

    __tablename__ = "daily_runs"
    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_day: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- the operations dashboard's summaries (service.figures.summary) -----------------------------------------------
# Rebuilt whole by the daily work (set-based INSERT … SELECT), as of the day in daily_runs (job "figures"); small:
# one row per month, plan and retailer (and cause, clause or SLA kind), so the dashboard reads them in milliseconds.


class FigureContractMonth(Base):
    """Per month, plan and retailer: applications (applied_on), payments and fees (paid_on), and contracts that
    stopped being in force (their end, or the day after their coverage)."""

    __tablename__ = "figure_contract_months"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    program_id: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(Id)
    enrolled: Mapped[int] = mapped_column(Integer)
    started: Mapped[int] = mapped_column(Integer)
    ended: Mapped[int] = mapped_column(Integer)
    fees: Mapped[int] = mapped_column(BigInteger)


class FigureCaseMonth(Base):
    """Per month received, plan, retailer, cause and decision: cases, and the repairs and replacements paid."""

    __tablename__ = "figure_case_months"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    program_id: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(Id)
    cause: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(20))
    cases: Mapped[int] = mapped_column(Integer)
    repairs: Mapped[int] = mapped_column(BigInteger)
    replacements: Mapped[int] = mapped_column(BigInteger)


class FigureClauseMonth(Base):
    """Per month received, plan and retailer: how many decisions cite each clause."""

    __tablename__ = "figure_clause_months"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    program_id: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(Id)
    label: Mapped[str] = mapped_column(String(200))
    cited: Mapped[int] = mapped_column(Integer)


class FigureDisputeMonth(Base):
    """Per month the dispute (見解相違) was opened, plan, retailer and clause disputed (a ground of the not-covered
    decision the subscriber disagreed with): disputes by outcome (open, covered, not_covered)."""

    __tablename__ = "figure_dispute_months"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    program_id: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(Id)
    label: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    disputes: Mapped[int] = mapped_column(Integer)


class FigureSlaMonth(Base):
    """Per month of the target day, SLA kind (visit, repair), plan and retailer: targets met, breached, pending."""

    __tablename__ = "figure_sla_months"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    program_id: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(Id)
    met: Mapped[int] = mapped_column(Integer)
    breached: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)


class FigureSlaBreach(Base):
    """A case whose SLA target was breached, as of the summaries' day."""

    __tablename__ = "figure_sla_breaches"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(Id)
    contract_id: Mapped[int] = mapped_column(Id)
    case_number: Mapped[int] = mapped_column(Integer)
    program_id: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(10))
    target: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)


class FigureEndingMonth(Base):
    """As of the summaries' day: active contracts whose coverage ends within 90 days, per month of the end, plan and
    retailer."""

    __tablename__ = "figure_ending_months"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    program_id: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(Id)
    contracts: Mapped[int] = mapped_column(Integer)


class FigureRefundMonth(Base):
    """Refunds per month owed, plan, retailer, payout status and elapsed-year bracket: count and yen."""

    __tablename__ = "figure_refund_months"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    program_id: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[str] = mapped_column(String(40))
    retailer_id: Mapped[int | None] = mapped_column(Id)
    status: Mapped[str] = mapped_column(String(20))
    years: Mapped[int] = mapped_column(Integer)
    refunds: Mapped[int] = mapped_column(Integer)
    yen: Mapped[int] = mapped_column(BigInteger)


class ImportRun(Base):
    """One import of a retailer's file (import.md): the file by name and SHA-256, its counts and its state.

    A run killed midway stays `running`; running the same file again completes the work (each contract is stored
    once: `uq_contracts_retailer_sale`).
    """

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_sha256", "sha256"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(20))  # running, done, failed
    lines: Mapped[int] = mapped_column(Integer)  # item lines in the file (header and blank lines not counted)
    lines_done: Mapped[int] = mapped_column(Integer)
    imported: Mapped[int] = mapped_column(Integer)
    already: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    rejected_lines: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(400))  # why the file could not be read at all
    rejects: Mapped[bytes | None] = mapped_column(LargeBinary)  # the rejected lines, in the file's encoding
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How many times its job has started: a job started again (a killed worker, a restarted server) recounts.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ImportFile(Base):
    """A piece of an uploaded file, stored with its run so that the job (given the run's id) can read it; deleted
    once the run is done (the rejected lines stay in `import_runs.rejects`)."""

    __tablename__ = "import_files"
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
