"""Session fixtures built once for the whole test run, not once per xdist worker.

`make test` runs pytest on two workers, and each worker has its own session: a session fixture
that runs the runner or builds a warehouse would be made twice, once in each. `once` makes it in
the folder the workers share (their base temp folders' parent), under a file lock: the first
worker to ask makes it, the other waits for it and reuses it. What is made must be read-only for
the tests that use it (copy it to change it), as with any session fixture.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock


def shared_root(tmp_path_factory) -> Path:
    """The folder every worker of this test run sees (the run's own temp folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(tmp_path_factory, name: str, make: Callable[[Path], Path]) -> Path:
    """`make(folder)` run once per test run for `name`; returns what it returned (a path inside
    the folder, recorded relative to it)."""
    root = shared_root(tmp_path_factory)
    folder, done = root / f"shared-{name}", root / f"shared-{name}.made"
    with FileLock(root / f"shared-{name}.lock"):
        if done.exists():
            return folder / done.read_text()
        shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed left
        folder.mkdir(parents=True)
        made = make(folder)
        done.write_text(str(made.relative_to(folder)))
        return made
