"""The `zhengdun` console script: manage.py under a name an operator can remember."""

import os
import sys


def _hyphenated_alias(argv: list[str]) -> list[str]:
    """Let operators type `zhengdun verify-audit` for the `verify_audit` command: a hyphenated
    subcommand that is not itself a command is tried with underscores."""
    if len(argv) < 2 or argv[1].startswith("-") or "-" not in argv[1]:
        return argv
    import django
    from django.core.management import get_commands

    try:
        django.setup()
    except Exception:  # noqa: BLE001 - leave the error to execute_from_command_line, which reports it properly
        return argv
    commands = get_commands()
    candidate = argv[1].replace("-", "_")
    if argv[1] not in commands and candidate in commands:
        return [argv[0], candidate, *argv[2:]]
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengdun.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(_hyphenated_alias(sys.argv))


if __name__ == "__main__":
    main()
