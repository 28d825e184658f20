"""Status lines for the slow phases of a job: the library says what it is doing, the front end shows it.

Library code wraps each phase that can take over half a second (loading data, fitting a table
transformer, training, evaluating, drawing figures, writing checkpoints) in ``with phase("evaluating"):``.
A phase that counts something passes ``total`` and moves its bar through the handle it gets.

Who shows the phases is the front end's choice, made once with :func:`show_phases`: the command line
shows each phase as a line of its Rich progress display (none under ``-q`` or ``--json``). With nothing
installed (a notebook, a script), a phase with a total, such as ``GAN.fit``'s training, shows a Rich
progress bar on stderr and the other phases stay silent. It lives at the bottom floor, beside the config
and the errors, so that every layer may announce its phases; it imports Rich only when a bar is drawn.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, ContextManager, Iterator, Protocol

from gankit.errors import UserError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class PhaseHandle(Protocol):
    """What a phase's body may do with its line: move the count, change the note after it."""

    def update(self, completed: int, note: str = "") -> None: ...

    def advance(self, steps: int = 1) -> None: ...


Sink = Callable[[str, "int | None", str], ContextManager[PhaseHandle]]


class _Silent:
    """The handle of a phase nobody shows."""

    def update(self, completed: int, note: str = "") -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


@contextmanager
def silent(text: str, total: int | None = None, unit: str = "") -> Iterator[PhaseHandle]:
    """A sink that shows nothing (``-q``, ``--json``, ``verbose=False``)."""
    yield _Silent()


_sink: Sink | None = None
BRIEF_SECONDS = 0.5  # an uncounted phase shorter than this disappears from the display when it ends


@contextmanager
def phase(text: str, total: int | None = None, unit: str = "") -> Iterator[PhaseHandle]:
    """Announce a phase ``text`` (``total`` steps of ``unit`` when it counts) for as long as the block runs."""
    sink = _sink if _sink is not None else (_own_bar if total is not None else silent)
    with sink(text, total, unit) as handle:
        yield handle


@contextmanager
def show_phases(sink: Sink) -> Iterator[None]:
    """Show every phase announced inside the block through ``sink`` (restores the previous one after)."""
    global _sink
    previous, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = previous


class ProgressLines:
    """A sink drawing each phase as one task of a Rich ``Progress``: a bar while it runs, its time after."""

    def __init__(self, progress: "Progress") -> None:
        self.progress = progress

    @contextmanager
    def __call__(self, text: str, total: int | None = None, unit: str = "") -> Iterator[PhaseHandle]:
        task = self.progress.add_task(text, total=total, note="", count=_count(0, total, unit))
        handle = _TaskHandle(self.progress, task, total, unit)
        refused = False
        try:
            yield handle
        except UserError:
            refused = True
            raise
        finally:
            self._end(task, total, refused)

    def _end(self, task: "TaskID", total: int | None, refused: bool) -> None:
        if refused:  # a phase stopped by bad input leaves only the error's one line
            self.progress.remove_task(task)
            return
        if total is None:  # a phase without a count: a full bar once it is over
            self.progress.update(task, total=1, completed=1)
        self.progress.stop_task(task)  # freezes its elapsed time
        elapsed = next(t.elapsed for t in self.progress.tasks if t.id == task) or 0.0
        if total is None and elapsed < BRIEF_SECONDS:
            self.progress.remove_task(task)  # a phase that was over at once leaves no line behind


class _TaskHandle:
    def __init__(self, progress: "Progress", task: "TaskID", total: int | None, unit: str) -> None:
        self.progress, self.task, self.total, self.unit, self.completed = progress, task, total, unit, 0

    def update(self, completed: int, note: str = "") -> None:
        self.completed = completed
        self.progress.update(self.task, completed=completed, note=note, count=_count(completed, self.total, self.unit))

    def advance(self, steps: int = 1) -> None:
        self.update(self.completed + steps)


def _count(completed: int, total: int | None, unit: str) -> str:
    return f"{completed}/{total} {unit}".rstrip() if total is not None else ""


def progress_display(console=None, disable: bool = False) -> "Progress":
    """The Rich progress display the phases are drawn in: ``text  bar  count  elapsed  note``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(bar_width=24), TextColumn("{task.fields[count]}"),
                    TimeElapsedColumn(), TextColumn("{task.fields[note]}"), console=console, disable=disable)


@contextmanager
def _own_bar(text: str, total: int | None, unit: str) -> Iterator[PhaseHandle]:
    """A progress display of its own for one counted phase (no front end installed a sink)."""
    from rich.console import Console

    with progress_display(Console(stderr=True)) as progress, ProgressLines(progress)(text, total, unit) as handle:
        yield handle


# ----------------------------------------------------------------------------- notices

_held: list[str] | None = None  # lines waiting until the inputs have passed their checks


def tell(line: str) -> None:
    """Print one informative line on stderr (a notice, the column kinds found), or hold it (:func:`holding_notices`)."""
    if _held is not None:
        _held.append(line)
    else:
        print(line, file=sys.stderr)


def notice(text: str) -> None:
    """Something the user should know that is not an error, as one ``notice: …`` line."""
    tell(f"notice: {text}")


@contextmanager
def holding_notices() -> Iterator[None]:
    """Hold the block's notices until :func:`release_notices` (the inputs passed their checks) or its end.

    A bad input must get exactly one line, its error: when the block fails, the
    notices still held are dropped, so no notice about a file precedes the error
    that rejects it. The command line runs every command inside this block.
    """
    global _held
    previous, _held = _held, []
    try:
        yield
    except BaseException:
        _held = previous
        raise
    else:
        release_notices()
        _held = previous


def release_notices() -> None:
    """Print the held notices now and stop holding (the run is under way: later ones print at once)."""
    global _held
    held, _held = _held or [], None
    for line in held:
        tell(line)
