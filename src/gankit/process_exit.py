"""How the ``gankit`` command ends its process: with its exit status, and without the interpreter's teardown."""

from __future__ import annotations

import os
import signal
import sys

STOPPED = (130, 143)  # the exit statuses of a run stopped by Ctrl-C or SIGTERM after writing its checkpoint


def exit_process(code: int) -> None:
    """End the process with ``code``; after a stop, a late Ctrl-C or SIGTERM can no longer break the exit."""
    if code in STOPPED:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
    leave(code)


def leave(code: int) -> None:
    """Exit with ``code`` without the interpreter's teardown.

    Unloading PyTorch, SciPy and matplotlib module by module takes 0.3–0.9 s at exit
    (measured: ``python -c "import torch"`` 1.8 s, 1.2 s when it ends with ``os._exit``)
    and does nothing for the user: by the time the command returns, every file was
    written atomically and closed, trackers were closed and child processes joined.
    So only the two output streams are flushed before the process ends. A rank of a
    torchrun job exits the usual way: ranks that outlive a dead peer would otherwise
    end first and torchrun would name them, not the dead rank, as the root cause.
    """
    if "TORCHELASTIC_RUN_ID" in os.environ or "LOCAL_RANK" in os.environ:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):  # a reader that went away (`gankit … | head`), a closed stream
            pass
    os._exit(code)
