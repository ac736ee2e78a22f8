"""What the commands share: printing a job's French report, and a progress bar for the long jobs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..app.result import INFO, Result
from ..files import readable
from ..typography import for_display


def print_result(result: Result) -> int:
    """Print the job's report (information on stdout, warnings and errors on stderr); return its exit code. At a
    terminal the lines get French spacing (`typography.for_display`, as the terminal's character set allows);
    piped to a file or another program they keep plain spaces."""
    for line in result.lines:
        stream = sys.stdout if line.level == INFO else sys.stderr
        print(shown(line.text, stream), file=stream)
    return result.status


def shown(text: str, stream) -> str:
    """`text` as `stream` shows it: readable (a file name the system accepts may not be valid text), with French
    spacing at a terminal."""
    text = readable(text)
    return for_display(text, stream.encoding) if stream.isatty() else text


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, shown once the job reports its first step, cleared at the end."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True)
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            task = progress.add_task(label, total=total)
            progress.start()
        progress.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if task is not None:
            progress.stop()
