"""Command line for the data layer: ``python -m db <command>``.

    upgrade               migrate the configured database to the newest schema
    seed-demo             fill an empty database with the demo programme
    create-user           make a user (the first admin, typically); asks for the password
    copy --from URL --to URL
                          move everything (event log included) into an empty database, then
                          compare row counts and checksums of every table
    backup PATH           online backup of the SQLite database to a new file
    restore PATH          replace the SQLite database's contents with a backup
"""
from __future__ import annotations

import argparse
import getpass
import sys

from core.authz import Role, parse_roles
from core.config import ConfigError, load_settings


def _url(args) -> str:
    return args.database_url or load_settings().database_url


def cmd_upgrade(args) -> int:
    from db import migrate

    url = _url(args)
    migrate.upgrade(url)
    print(f"Database at revision {migrate.current_revision(url)} (head {migrate.head_revision(url)}).")
    return 0


def cmd_seed_demo(args) -> int:
    from db import migrate
    from db.demo import seed_demo
    from db.engine import get_engine, write_session

    url = _url(args)
    migrate.upgrade(url)
    with write_session(get_engine(url)) as session:
        counts = seed_demo(session)
    print(f"Demo programme seeded: {counts}")
    return 0


def cmd_create_user(args) -> int:
    from db import migrate
    from db.engine import get_engine, write_session
    from db.users import UserError, create_user

    url = _url(args)
    migrate.upgrade(url)
    roles = parse_roles(args.roles)
    if not roles:
        print(f"Give at least one role from: {', '.join(r.value for r in Role)}", file=sys.stderr)
        return 2
    password = args.password_from_stdin and sys.stdin.readline().rstrip("\n") or None
    if password is None:
        password = getpass.getpass("Password (12+ characters): ")
        if password != getpass.getpass("Again: "):
            print("The passwords differ.", file=sys.stderr)
            return 2
    try:
        with write_session(get_engine(url)) as session:
            create_user(session, actor="cli", username=args.username, display_name=args.name or args.username,
                        email=args.email or "", password=password, roles=roles)
    except UserError as error:
        print(f"Not created: {error}", file=sys.stderr)
        return 2
    print(f"User '{args.username.lower()}' created with roles {', '.join(sorted(roles))}.")
    return 0


def cmd_copy(args) -> int:
    from db.transfer import TransferError, copy_database

    try:
        reports = copy_database(args.source, args.target)
    except TransferError as error:
        print(f"Not copied: {error}", file=sys.stderr)
        return 2
    print(f"{'table':<20} {'rows':>8}  checksum")
    for report in reports:
        print(f"{report.table:<20} {report.target_rows:>8}  {report.target_checksum[:16]}  {'same' if report.matches else 'DIFFERENT'}")
    print(f"Copied {sum(r.target_rows for r in reports)} rows in {len(reports)} tables; counts and checksums match.")
    return 0


def cmd_backup(args) -> int:
    from pathlib import Path

    from db.transfer import TransferError, backup_sqlite

    try:
        path = backup_sqlite(_url(args), Path(args.path))
    except TransferError as error:
        print(f"No backup made: {error}", file=sys.stderr)
        return 2
    print(f"Backup written to {path} (integrity check ok).")
    return 0


def cmd_restore(args) -> int:
    from pathlib import Path

    from db.transfer import TransferError, restore_sqlite

    try:
        restore_sqlite(Path(args.path), _url(args))
    except TransferError as error:
        print(f"Not restored: {error}", file=sys.stderr)
        return 2
    print(f"Restored {args.path}. Restart the app processes.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="defaults to DATABASE_URL, else the SQLite file under data/")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="migrate to the newest schema").set_defaults(func=cmd_upgrade)
    commands.add_parser("seed-demo", help="seed the demo programme into an empty database").set_defaults(func=cmd_seed_demo)
    create = commands.add_parser("create-user", help="create a user, e.g. the first admin")
    create.add_argument("username")
    create.add_argument("--name", help="display name")
    create.add_argument("--email")
    create.add_argument("--roles", default="admin", help="comma-separated: auditor,manager,sponsor,support,admin")
    create.add_argument("--password-from-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(func=cmd_create_user)
    copy = commands.add_parser("copy", help="copy every row into an empty database and verify it")
    copy.add_argument("--from", dest="source", required=True, help="source database URL")
    copy.add_argument("--to", dest="target", required=True, help="target database URL (empty; migrated here)")
    copy.set_defaults(func=cmd_copy)
    backup = commands.add_parser("backup", help="online backup of the SQLite database")
    backup.add_argument("path")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="restore the SQLite database from a backup file")
    restore.add_argument("path")
    restore.set_defaults(func=cmd_restore)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
