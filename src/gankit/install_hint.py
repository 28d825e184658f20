"""The pip command that adds one of gankit's optional extras, worded for the way gankit was installed.

gankit is installed from a clone (editable), from a built wheel or a folder, or from a package index. A hint
such as ``pip install 'gankit[tensorboard]'`` only works in the last case, so the hint reads pip's record of
the installation (``direct_url.json``, PEP 610) and names the same source, followed by the extra's own
requirements, which install the same packages whatever the source.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse


def install_hint(extra: str) -> str:
    """``pip install …`` for ``gankit[extra]`` as this installation takes it, and the extra's packages."""
    source = _install_command(extra)
    packages = extra_requirements(extra)
    if not packages:
        return source
    return f"{source} (or: pip install {' '.join(_quoted(p) for p in packages)})"


def extra_requirements(extra: str) -> list[str]:
    """The requirements that gankit's metadata lists under one extra, without their markers."""
    try:
        lines = importlib.metadata.requires("gankit") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    pattern = re.compile(r"extra\s*==\s*['\"]" + re.escape(extra) + r"['\"]")
    return [line.split(";")[0].strip() for line in lines if pattern.search(line)]


def _install_command(extra: str) -> str:
    origin = _direct_url()
    if origin is None:
        return f"pip install {_quoted(f'gankit[{extra}]')}"
    url = urlparse(origin.get("url", ""))
    path = Path(unquote(url.path)) if url.scheme == "file" else None
    if path is None:
        return f"pip install {_quoted(f'gankit[{extra}] @ ' + origin.get('url', ''))}"
    shown = "." if _same_folder(path, Path.cwd()) else str(path)
    editable = origin.get("dir_info", {}).get("editable", False)
    return f"pip install {'-e ' if editable else ''}{_quoted(f'{shown}[{extra}]')}"


def _direct_url() -> dict | None:
    """pip's record of a direct (non-index) installation, or None for an index install."""
    try:
        text = importlib.metadata.distribution("gankit").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _quoted(text: str) -> str:
    return f'"{text}"'
