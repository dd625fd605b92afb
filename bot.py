"""Liaison's command line: serve | demo | digest | export | inbox | migrate | reencrypt-tokens."""

from __future__ import annotations

import argparse
import sys

from core.settings import ExplicitSettings, SettingsError, load_settings


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot.py", description="Liaison: keeps sales and marketing in step, in Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the app (Socket Mode if SLACK_APP_TOKEN, else HTTP)")
    serve.add_argument("--port", type=_port, help="HTTP port (default: $PORT or 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP interface (default: 0.0.0.0)")
    demo = sub.add_parser("demo", help="run a scripted tour against the local Slack sandbox")
    demo.add_argument("--out", help="folder for the demo's files (default: a new temp folder)")
    digest = sub.add_parser("digest", help="build a digest from the command line")
    digest.add_argument("--team", required=True, help="Slack team id, e.g. T0123ABCD")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--now", action="store_true", help="post it to the digest channel now")
    mode.add_argument("--preview", action="store_true", help="only print it")
    export = sub.add_parser("export", help="write a workspace's feedback as CSV")
    export.add_argument("--team", required=True, help="Slack team id, e.g. T0123ABCD")
    export.add_argument(
        "--since",
        required=True,
        metavar="YYYY-MM-DD",
        help="first day to include (UTC), or a number of days back such as 30d",
    )
    export.add_argument(
        "--out",
        metavar="FILE",
        help="where to write it (default: liaison-feedback-<team>-<since>.csv; - for stdout)",
    )
    inbox = sub.add_parser("inbox", help="events stored before their ack: waiting and parked")
    inbox.add_argument(
        "--retry-parked",
        action="store_true",
        help="put every parked event back, to be applied by a running server",
    )
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser(
        "reencrypt-tokens",
        help="re-encrypt stored OAuth tokens with the first of LIAISON_TOKEN_KEYS",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        if args.command != "demo":
            print(f"liaison: {exc}", file=sys.stderr)
            return 2
        # The demo brings its own settings: a stray or broken variable must not stop it.
        settings = ExplicitSettings()
    from core.logs import configure_logging, secret_values

    level = settings.liaison_log_level
    # The demo is a terminal tour: only problems interrupt it (LIAISON_LOG_LEVEL=DEBUG still works).
    if args.command == "demo" and level == "INFO":
        level = "WARNING"
    configure_logging(level, secrets=secret_values(settings))
    try:
        if args.command == "migrate":
            from core.db import migrate_or_explain

            migrate_or_explain(settings.database_url)
            print("liaison: database is up to date")
            return 0
        if args.command == "serve":
            from app.run import serve

            return serve(settings, host=args.host, port=args.port or settings.port)
        if args.command == "demo":
            from app.demo import run_demo

            return run_demo(out=args.out)
        if args.command == "digest":
            from app.digest_cli import run_digest

            return run_digest(settings, team_id=args.team, post=args.now)
        if args.command == "export":
            from app.export_cli import run_export

            return run_export(settings, team_id=args.team, since=args.since, out=args.out)
        if args.command == "inbox":
            from app.inbox_cli import run_inbox

            return run_inbox(settings, retry=args.retry_parked)
        if args.command == "reencrypt-tokens":
            from app.tokens_cli import reencrypt_tokens

            return reencrypt_tokens(settings)
    except SettingsError as exc:
        print(f"liaison: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
