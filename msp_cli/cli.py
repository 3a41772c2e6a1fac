"""The command line: global options, the command groups, and errors mapped to exit codes.

Errors are turned into one line here, once, for every command: an MspError says what was
wrong and how to put it right; anything unexpected says so without a traceback or any
personal data, unless MSP_DEBUG=1 asks for the traceback.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import typer

# typer 0.29 carries its own copy of click (pinned in pyproject); its exceptions are what it raises
from typer._click.exceptions import NoSuchOption
from typer.core import TyperGroup

from msp_cli import __version__, typer_fixes
from msp_cli.command_loader import format_commands, root_commands
from msp_cli.context import AppState, current_state
from msp_cli.errors import MspError

EXIT_UNEXPECTED = 70  # EX_SOFTWARE
ARGV = "msp.argv"  # where the root command keeps the words it was given (ctx.meta)


class MspGroup(TyperGroup):
    """The root group: runs the command, then maps what it raised to a message and exit code.

    Its commands are built when first used (command_loader.py): one command's start-up does not
    pay for importing and building all of them.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = self.lazy_commands = root_commands(app)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names alone: TyperGroup's would build every command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        format_commands(self, ctx, formatter, self.lazy_commands)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta[ARGV] = list(args)  # for hints that repeat the command line, corrected
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except NoSuchOption as exc:
            _misplaced_global(exc)
            raise
        except MspError as exc:
            _report(exc.message + (f" {exc.hint}" if exc.hint else ""))
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.TyperException, typer.Abort):
            raise
        except BrokenPipeError:
            quiet_closed_pipe()
            raise typer.Exit(141) from None  # as a shell reports a program ended by SIGPIPE
        except UnicodeEncodeError:
            # argv on POSIX carries bytes that are not UTF-8 as lone surrogates; nothing was written
            _report("An argument holds characters that are not valid text (UTF-8); check how it was typed.")
            raise typer.Exit(2) from None
        except UnicodeDecodeError:
            # text that is not UTF-8 inside the database: a damaged page
            _report("The database holds unreadable text: it is damaged. Run `msp check`; restore from a backup.")
            raise typer.Exit(74) from None
        except Exception as exc:
            if os.environ.get("MSP_DEBUG") == "1":
                raise
            from msp_cli.storage import database_errors, explain_database_error

            if isinstance(exc, database_errors()):
                state = ctx.find_object(AppState)
                path = state.db_label() if state else Path("database")
                explained = explain_database_error(exc, path)
                _report(explained.message)
                raise typer.Exit(explained.exit_code) from None  # a server's refusal is 1, a damaged file 74
            _report(
                f"an unexpected problem ({type(exc).__name__}); nothing half-written was"
                " kept. Run again with MSP_DEBUG=1 to see the details for a bug report."
            )
            raise typer.Exit(EXIT_UNEXPECTED) from None
        finally:
            state = ctx.find_object(AppState)
            if state is not None:
                state.close()
            current_state.set(None)


def quiet_closed_pipe() -> None:
    """The reader of our output went away (`msp ... | head`): end without a word.

    stdout is pointed at the null device so that Python's flush at exit does not complain.
    """
    import sys

    with contextlib.suppress(OSError, ValueError, AttributeError):  # no real file behind stdout (tests, embedding)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _misplaced_global(exc: NoSuchOption) -> None:
    """`msp case list --db x`: say where the option goes, with the line that works (exit 2)."""
    from msp_cli.hints import GLOBAL_OPTIONS, corrected_line

    line = corrected_line(exc.option_name) if exc.option_name in GLOBAL_OPTIONS else None
    if line is not None:
        _report(f"{exc.option_name} goes before the command: {line}")
        raise typer.Exit(2) from None


def _report(message: str) -> None:
    from msp_cli.ui import err_console

    err_console.print(f"msp: {message}", style="red", markup=False, soft_wrap=True)


# Plain help (rich_markup_mode=None): rich's help formatter costs ~55 ms of start-up on every
# `msp --help`, which must be as quick as the tools users already know.
app = typer.Typer(
    rich_markup_mode=None,
    cls=MspGroup,
    name="msp",
    help="Making Safeguarding Personal: record what the adult at risk wants, and count whether it happened.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion and --show-completion (bash, zsh, fish, PowerShell)
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"msp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        metavar="PATH",
        help="The database file, or a server (postgresql://host/dbname). Default: $MSP_DB, else your per-user"
        " data folder (see `msp where`).",
    ),
    worker: str | None = typer.Option(
        None,
        "--worker",
        metavar="NAME",
        help="Who is making changes, for the audit trail. Default: $MSP_WORKER, else `msp init`'s.",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and stop."
    ),
) -> None:
    ctx.obj = AppState(db_option=db, worker_option=worker, argv=ctx.meta.get(ARGV))
    current_state.set(ctx.obj)


typer_fixes.apply()
