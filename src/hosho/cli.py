"""`hosho` command line: check scenarios (in-process or through the API), explain one, run and administer Hosho."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from hosho.admin import Fatal
from hosho.engine import Engine
from hosho.programs.yamlio import LoadError
from hosho.scenarios.runner import Abort, Outcome, check_paths, report, safely
from hosho.settings import Settings, SettingsError

ROLES = ("admin", "agent", "technician", "retailer", "supervisor")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except (Fatal, SettingsError) as exc:
        print(f"hosho {args.command}: {exc}", file=sys.stderr)
        return 2
    except LoadError as exc:
        print("program data is invalid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`hosho explain … | head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hosho", description="延長保証・保守パック契約の管理 (Hosho)")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="run scenario files and compare every expectation")
    check.add_argument("paths", nargs="+", type=Path, help="scenario files or folders (recursively *.yaml)")
    check.add_argument("--api", metavar="URL", help="run every step through the Hosho service at URL")
    check.add_argument("--key", help="API key for --api (default: $HOSHO_API_KEY)")
    check.add_argument("-q", "--quiet", action="store_true", help="print only failures and the total")
    explain = commands.add_parser("explain", help="show each decision with clause texts, deadlines and costs")
    explain.add_argument("scenario", type=Path)
    commands.add_parser("programs", help="list the programs, versions and plans shipped")

    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database-url", metavar="URL", help="default: $HOSHO_DATABASE_URL, else sqlite:///hosho.sqlite3"
    )
    commands.add_parser("migrate", parents=[database], help="create the database schema or bring it up to date")
    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", parents=[database], help="create an API key and print it once")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--name", required=True, help="who uses it (shown in the audit trail)")
    create.add_argument("--retailer", metavar="CODE", help="the retailer a retailer key acts for")
    keys.add_parser("list", parents=[database], help="every key: name, role, retailer, created, revoked (no secret)")
    revoke = keys.add_parser("revoke", parents=[database], help="revoke a key (servers refuse it within a minute)")
    revoke.add_argument(
        "key", metavar="NAME_OR_ID", help="the key's id or name (as `hosho keys list` shows), or prefix"
    )
    users = commands.add_parser("users", help="console users").add_subparsers(dest="users_command", required=True)
    user = users.add_parser(
        "create", parents=[database], help="create a console user (password from $HOSHO_USER_PASSWORD, or asked)"
    )
    user.add_argument("--username", required=True)
    user.add_argument("--role", choices=ROLES, required=True)
    user.add_argument("--name", required=True, help="the name shown in the console, e.g. 山田(コールセンター)")
    user.add_argument("--retailer", metavar="CODE", help="the retailer a retailer user belongs to")
    password = users.add_parser(
        "set-password",
        parents=[database],
        help="give a user a new password (from $HOSHO_USER_PASSWORD, or asked) and end the user's sessions",
    )
    password.add_argument("username")
    deactivate = users.add_parser(
        "deactivate", parents=[database], help="stop a user from signing in and end the user's sessions at once"
    )
    deactivate.add_argument("username")
    activate = users.add_parser("activate", parents=[database], help="let a deactivated user sign in again")
    activate.add_argument("username")
    retailers = commands.add_parser("retailers", help="sales channels").add_subparsers(
        dest="retailers_command", required=True
    )
    add = retailers.add_parser("add", parents=[database], help="add a retailer (nothing changes if CODE exists)")
    add.add_argument("code")
    add.add_argument("name")
    payouts = commands.add_parser("payouts", help="refund payouts by Zengin 総合振込 file").add_subparsers(
        dest="payouts_command", required=True
    )
    batch = payouts.add_parser(
        "create", parents=[database], help="a batch of every ready refund, written as a Zengin file"
    )
    batch.add_argument("--transfer-date", type=_day, required=True, help="振込指定日 YYYY-MM-DD (a bank business day)")
    batch.add_argument("--out", type=Path, required=True, help="the file to write")
    figures = commands.add_parser("figures", help="the operations dashboard's figures").add_subparsers(
        dest="figures_command", required=True
    )
    figures.add_parser("refresh", parents=[database], help="rebuild the dashboard's summaries as of today")
    serve = commands.add_parser("serve", parents=[database], help="run the HTTP API (with demo data by default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=_workers, default=1)
    serve.add_argument("--no-demo", action="store_true", help="do not load the demo contracts")
    worker = commands.add_parser(
        "worker",
        parents=[database],
        help="run the daily work, the notices' e-mails and background jobs (PostgreSQL: procrastinate's worker; "
        "several may run)",
    )
    worker.add_argument(
        "--every", type=_seconds, default=30.0, help="seconds between runs on SQLite (default 30; PostgreSQL: 60)"
    )
    worker.add_argument("--once", action="store_true", help="run once (on PostgreSQL: every job due) and exit")
    load = commands.add_parser("import", parents=[database], help="enrol the contracts of a retailer's CSV file")
    load.add_argument("file", type=Path, help="CSV in UTF-8 or CP932 (import.md)")
    load.add_argument("--retailer", metavar="CODE", help="import only this retailer's lines (the others are rejected)")
    load.add_argument("--dry-run", action="store_true", help="check everything, store nothing")
    load.add_argument("--rejects", type=Path, metavar="OUT.csv", help="default: FILE.rejects.csv beside FILE")
    load.add_argument("--chunk", type=_workers, help=argparse.SUPPRESS)  # contracts per transaction (tests)
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "import":
        from hosho.imports import command

        settings = Settings.load(database_url=args.database_url)
        return command.run(
            settings, args.file, retailer=args.retailer, dry_run=args.dry_run, rejects=args.rejects, chunk=args.chunk
        )
    if args.command in ("migrate", "keys", "users", "retailers", "serve", "payouts", "worker", "figures"):
        from hosho import admin

        settings = Settings.load(database_url=args.database_url)
        if args.command == "migrate":
            return admin.migrate_database(settings)
        if args.command == "keys" and args.keys_command == "list":
            return admin.list_keys(settings)
        if args.command == "keys" and args.keys_command == "revoke":
            return admin.revoke_key(settings, args.key)
        if args.command == "keys":
            return admin.create_key(settings, role=args.role, name=args.name, retailer=args.retailer)
        if args.command == "users" and args.users_command == "create":
            return admin.create_user(
                settings, username=args.username, role=args.role, name=args.name, retailer=args.retailer
            )
        if args.command == "payouts":
            return admin.create_payouts(settings, transfer_date=args.transfer_date, out=args.out)
        if args.command == "users" and args.users_command == "set-password":
            return admin.set_user_password(settings, username=args.username)
        if args.command == "users":
            return admin.set_user_active(settings, username=args.username, active=args.users_command == "activate")
        if args.command == "retailers":
            return admin.add_retailer(settings, code=args.code, name=args.name)
        if args.command == "figures":
            return admin.refresh_figures(settings)
        if args.command == "worker":
            return admin.worker(settings, every=args.every, once=args.once, rules=_rules())
        return admin.serve(
            settings, host=args.host, port=args.port, workers=args.workers, demo=not args.no_demo, rules=_rules()
        )
    engine = _rules()
    if args.command == "check":
        if args.api:
            return _check_api(engine, args.paths, url=args.api, key=args.key or Settings.load().api_key)
        return _check_here(engine, args.paths)
    if args.command == "explain":
        return _explain(engine, args.scenario)
    return _programs(engine)


def _rules() -> Engine:
    engine = Engine()
    engine.catalog  # noqa: B018 - load the programs now, so a broken program file is reported first
    return engine


def _check(paths: Sequence[Path], run: Callable[[Path], Outcome]) -> int:
    try:
        _, failed = report(check_paths(paths, run))
    except Abort as exc:
        raise Fatal(str(exc)) from None
    return 0 if failed == 0 else 1


def _check_here(engine: Engine, paths: Sequence[Path]) -> int:
    from hosho.scenarios.inprocess import runner, scratch_service

    with scratch_service(engine) as service:
        return _check(paths, runner(service))


def _check_api(engine: Engine, paths: Sequence[Path], *, url: str, key: str | None) -> int:
    from hosho.scenarios.http_runner import connect, runner

    try:
        client = connect(url, key)
    except Abort as exc:
        raise Fatal(str(exc)) from None
    try:
        return _check(paths, runner(client, engine.catalog))
    finally:
        client.close()


def _explain(engine: Engine, path: Path) -> int:
    from hosho.explain import render
    from hosho.scenarios.inprocess import runner, scratch_service

    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    with scratch_service(engine) as service:
        outcome = safely(path, runner(service))
        if outcome.problems:
            for problem in outcome.problems:
                print(problem, file=sys.stderr)
            return 1
        print(render(outcome, engine.catalog))
    return 0 if outcome.passed else 1


def _programs(engine: Engine) -> int:
    for program in engine.catalog.programs.values():
        for version in program.versions:
            print(f"{version.version}  {version.name}({version.provider})  条項 {len(version.clauses)} 件")
            for plan in version.plans.values():
                print(f"    {plan.id:<12} {plan.name}  {plan.term_years}年")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 1 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 1 to 86400")
    return value


def _workers(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of worker processes (1 or more)")
    return int(text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
