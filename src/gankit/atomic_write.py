"""Writing a file (or a folder) whole, safely against crashes and against a second writer of the same name.

Every output is first written under a unique hidden temporary name beside its target
(``.NAME.<random>.tmp``), so two processes writing the same output never share a
temporary file, and a crash leaves the old target (or nothing) rather than half a file.
The finished temporary is then published under the real name:

- ``overwrite=True``: renamed over the target in one step (``os.replace``);
- ``overwrite=False``: hard-linked to the target name, which fails when the name was
  taken in the meantime, so the "already exists" check holds at the very moment of
  publishing, not only when the command started. Where hard links are not allowed,
  the name is claimed with an exclusive create first.

The only module that renames temporary files into place: the rest of gankit calls it.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Union

from gankit.errors import UserError, write_failed

Content = Union[bytes, str, Callable[[Path], None]]
TEMP_MARK = ".tmp"
READABLE = 0o644  # mkstemp makes files private; an output is as readable as any file the user writes


def atomic_write(path: Path | str, content: Content, *, overwrite: bool = True, sync: bool = False,
                 after: str = "") -> Path:
    """Write ``content`` to ``path`` whole: bytes, text (UTF-8) or a callback that writes the temporary path it
    is given. With ``overwrite=False`` an existing ``path`` (even one created by another process while this
    one was writing) is refused in one line and left untouched. ``sync`` fsyncs the file and its folder.
    A failed write is one line (``after`` says what to do next) and leaves no temporary file behind."""
    path = Path(path)
    _check_parent(path)
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name")
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_MARK + path.suffix)
    except OSError as err:
        raise write_failed(err, path, after) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            if isinstance(content, (bytes, str)):
                stream.write(content.encode("utf-8") if isinstance(content, str) else content)
        if callable(content):
            content(temporary)
        os.chmod(temporary, READABLE)
        if sync:
            fsync_path(temporary)
        _publish(temporary, path, overwrite)
        if sync:
            fsync_path(path.parent)
    except OSError as err:
        raise write_failed(err, path, after) from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def atomic_folder(path: Path | str, fill: Callable[[Path], None], *, overwrite: bool = True) -> Path:
    """Create the folder ``path`` whole: ``fill`` writes into a unique hidden temporary folder beside it, which
    is then renamed into place. With ``overwrite`` an old folder is moved aside first and removed after (a
    crash leaves the old folder or the new one, never a mixture); without it, a non-empty folder created
    meanwhile is refused in one line. OSErrors from ``fill`` or the rename propagate to the caller."""
    path = Path(path)
    _check_parent(path)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=TEMP_MARK, dir=path.parent))
    try:
        fill(temporary)
        if overwrite and path.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.replace(path, aside / path.name)
            os.rename(temporary, path)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            try:
                os.rename(temporary, path)  # succeeds only over a missing or empty folder
            except OSError as err:
                if err.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                    raise UserError(f"{path} already exists; it was left untouched") from None
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return path


def _check_parent(path: Path) -> None:
    """The target's folder must exist and be a folder (a missing one is named, not created)."""
    if not path.parent.exists():
        raise UserError(f"{path}: folder {path.parent} does not exist")
    if not path.parent.is_dir():
        raise UserError(f"{path}: {path.parent} is a file, not a folder")


def _publish(temporary: Path, path: Path, overwrite: bool) -> None:
    """Give the finished temporary file the real name (see the module's docstring)."""
    if overwrite:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise UserError(f"{path} already exists (written meanwhile by another command?); it was left untouched, "
                        "nothing was written") from None
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        _claim_then_replace(temporary, path)


def _claim_then_replace(temporary: Path, path: Path) -> None:
    """Where hard links are refused: claim the name with an exclusive create, then rename over the claim."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, READABLE))
    except FileExistsError:
        raise UserError(f"{path} already exists (written meanwhile by another command?); it was left untouched, "
                        "nothing was written") from None
    os.replace(temporary, path)


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's contents to the disk (a folder: the names just renamed into it)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
