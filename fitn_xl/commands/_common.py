"""What the commands share: printing a job's French report, and a progress bar for the long jobs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..app.result import INFO, Result
from ..files import readable


def print_result(result: Result) -> int:
    """Print the job's report (information on stdout, warnings and errors on stderr); return its exit code."""
    for line in result.lines:  # a file name the system accepts may not be valid text: shown readable
        print(readable(line.text), file=sys.stdout if line.level == INFO else sys.stderr)
    return result.status


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
