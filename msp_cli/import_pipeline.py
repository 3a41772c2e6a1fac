"""A large import in a pipeline: worker processes read, parse and check the file; this process writes.

Each worker reads the whole file (reading lines is cheap) but parses and checks only its own
batches of lines: batch k (lines k*BATCH_LINES+1 onwards) belongs to worker k % workers. The
writer takes the batches in order, one worker after another, so lines are stored, numbered and
refused exactly as in one process (interchange.check is the same code either way). Each worker's
pipe holds at most the batch being sent, so memory stays flat; a worker that fails or dies ends the import
with one line and the transaction, and so the database, as it was.

Processes are started with "spawn", as on Windows, so the same code runs everywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from msp_cli.errors import MspError

BATCH_LINES = 500  # lines a batch: large enough to send cheaply, small enough to keep few in memory
MIN_BYTES = 3_000_000  # about 2,500 cases: below it, starting workers costs more than it saves
MAX_WORKERS = 2
WAIT_SECONDS = 0.5  # how often the writer, waiting for a batch, checks that its worker is alive
STOP_SECONDS = 5.0

# how a worker's message ends: more batches follow, the input ended, a line could not be read
# (the writer raises jsonin.JsonProblem with the text), or the worker failed (the error's type name)
MORE, END, JSON_PROBLEM, FAILED = "more", "end", "json", "failed"
Message = tuple[int, bytes, str, str | None]  # (batch number, checked lines packed, how it ends, text)


class PipelineStopped(MspError):
    """A worker process stopped or failed: nothing was imported."""


def workers_for(source: str, stream: IO[bytes]) -> int:
    """How many workers to start for SOURCE: none for standard input, a small file or a one-core machine."""
    if source == "-" or (os.cpu_count() or 1) < 2:
        return 0
    try:
        if os.fstat(stream.fileno()).st_size < MIN_BYTES:
            return 0
    except (OSError, ValueError):  # not a plain file
        return 0
    return MAX_WORKERS


@contextlib.contextmanager
def checked_lines(path: Path, today: dt.date, *, workers: int, as_rows: bool) -> Iterator[Iterator[Any]]:
    """Every non-blank line of PATH checked (interchange.Checked), in order; the workers stop on leaving.

    AS_ROWS: each batch's valid cases are made into rows in the worker (storage's NewCases), and each
    such case comes as (that batch's NewCases, its place in it), ready for a new case's writer.
    """
    context = multiprocessing.get_context("spawn")
    # one pipe a worker, its writing end held by the worker alone: a worker that dies, even part way
    # through sending a batch, reads as the pipe's end (a queue's shared ends would wait for ever)
    pipes = [context.Pipe(duplex=False) for _ in range(workers)]
    processes = [
        context.Process(
            target=work, args=(str(path), today.isoformat(), me, workers, BATCH_LINES, as_rows, sender), daemon=True
        )
        for me, (_, sender) in enumerate(pipes)
    ]
    try:
        with _ctrl_c_left_to_the_writer():
            for process in processes:
                process.start()
        for _, sender in pipes:
            sender.close()
        yield _in_order(processes, [receiver for receiver, _ in pipes])
    finally:  # done, a line refused, Ctrl-C: no worker outlives the import
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join(STOP_SECONDS)
        for receiver, sender in pipes:
            receiver.close()
            sender.close()


@contextlib.contextmanager
def _ctrl_c_left_to_the_writer() -> Iterator[None]:
    """Workers started meanwhile ignore Ctrl-C from their first instruction (a new process keeps an
    ignored signal ignored): the writer alone answers it, stopping them, and a worker still starting
    up cannot print a traceback. Where signals are not inherited (Windows), work() ends quietly."""
    if not hasattr(signal, "SIGINT") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _in_order(processes: list[Any], receivers: list[Any]) -> Iterator[Any]:
    from msp_cli import jsonin

    batch = 0
    while True:
        me = batch % len(receivers)
        number, checked, ending, text = _next_message(processes[me], receivers[me])
        if ending == END:
            return
        if number != batch:  # cannot happen unless a worker is wrong: never store lines out of order
            raise PipelineStopped("Nothing was imported: the import's workers lost their place in the file.")
        yield from _unpack(checked)
        if ending == JSON_PROBLEM:
            raise jsonin.JsonProblem(text)
        if ending == FAILED:
            raise PipelineStopped(f"Nothing was imported: a worker checking the file failed ({text}).")
        batch += 1


def _pack(checked: list[Any], made: Any) -> bytes:
    """A batch of checked lines, and its cases made into rows (storage's NewCases) or None, as bytes.
    marshal reads plain values back in half pickle's time, and the writer's time is the import's."""
    plain = (checked, None if made is None else made.plain())
    try:
        return b"m" + marshal.dumps(plain)
    except ValueError:  # a value marshal cannot hold (never in a checked line today): pickle it
        return b"p" + pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(packed: bytes) -> list[Any]:
    """The batch's checked lines; a case made into rows comes as (its batch's NewCases, its place in it)."""
    if packed[:1] == b"p":
        checked, made = pickle.loads(packed[1:])  # noqa: S301 (our own worker's bytes)
    else:
        checked, made = marshal.loads(packed[1:])
    if made is None:
        return checked  # type: ignore[no-any-return]
    from msp_cli.storage import NewCases

    batch = NewCases.from_plain(made)
    return [(*line[:5], None if line[5] is None else (batch, line[5])) for line in checked]


def _next_message(process: Any, receiver: Any) -> Message:
    """The worker's next message; one line if it stopped without sending it (its pipe ended, or it is gone)."""
    while not receiver.poll(WAIT_SECONDS):
        if not process.is_alive() and not receiver.poll(0):  # it may have sent its last message as it ended
            raise _stopped()
    try:
        return receiver.recv()  # type: ignore[no-any-return]
    except (EOFError, OSError):
        raise _stopped() from None


def _stopped() -> PipelineStopped:
    return PipelineStopped(
        "Nothing was imported: a worker checking the file stopped unexpectedly; run the import again."
    )


def work(path: str, today_text: str, me: int, workers: int, lines: int, as_rows: bool, out: Any) -> None:  # noqa: PLR0913
    """A worker: send each of my batches (of LINES lines), checked, in order; then END (or why I stopped)."""
    from msp_cli import collector, interchange, jsonin
    from msp_cli.storage import NewCases

    today = dt.date.fromisoformat(today_text)

    def mine(number: int) -> bool:
        return (number - 1) // lines % workers == me

    batch = me  # my next batch to send
    checked: list[Any] = []  # its lines so far
    made = NewCases() if as_rows else None  # its valid cases as rows

    def send_before(upto: int) -> None:
        nonlocal batch, checked, made
        while batch < upto:
            out.send((batch, _pack(checked, made), MORE, None))
            batch, checked, made = batch + workers, [], NewCases() if as_rows else None

    try:
        with open(path, "rb") as stream, collector.paused():
            last = -1  # the batch of the last non-blank line read
            try:
                for number, obj, problem in interchange.read_lines(stream, mine):
                    last = (number - 1) // lines
                    send_before(last)
                    if mine(number):  # (a line that is not UTF-8 comes to every worker)
                        candidate = (number, obj, [problem] if problem else [])
                        line = interchange.check(candidate, today)
                        checked.append(line if made is None else interchange.made_into_rows(line, made))
            except jsonin.JsonProblem as exc:  # a line too long: every worker meets it; its batch's owner says so
                at = (exc.line - 1) // lines if exc.line else last + 1
                send_before(at)
                ending = (JSON_PROBLEM, str(exc)) if batch == at else (END, None)
                out.send((batch, _pack(checked, made) if batch == at else _pack([], None), *ending))
                return
            send_before(last + 1)
            out.send((batch, _pack([], None), END, None))
    except KeyboardInterrupt:  # Ctrl-C reaches every process; the writer reports it
        return
    except BaseException as exc:  # noqa: BLE001 (told to the writer, as its type only: no case data)
        out.send((batch, _pack([], None), FAILED, type(exc).__name__))
