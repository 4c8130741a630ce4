"""Command line for the data layer: ``python -m db <command>``.

    upgrade               migrate the configured database to the newest schema
    seed-demo             fill an empty database with the demo programme
    create-user           make a user (the first admin, typically); asks for the password
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
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
