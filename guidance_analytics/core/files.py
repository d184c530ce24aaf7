"""Files on disk: workspace folders and atomic writes.

Every file written for people (spreadsheets, CSV, documents, rejects files) goes through
:func:`atomic_write`: it is written under a temporary name in the same folder and renamed over
the final name only once complete, so an interrupted run (killed, disk full, an exception) never
leaves a truncated ``.xlsx`` or ``.docx`` under its final name, and a good earlier copy stays.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import WorkspaceError

__all__ = ["atomic_write", "prepare_folders", "short_name"]

#: Longest file name (bytes, UTF-8) most file systems take.
NAME_MAX = 255


def prepare_folders(root: Path, folders: Iterable[Path] = ()) -> None:
    """Create the workspace folder and its sub-folders; a clear error when ``root`` is a file.

    A folder that exists but cannot be written is left as it is (a read-only workspace can still
    be read); sub-folders that cannot be created then are made when something is written there.

    Raises
    ------
    WorkspaceError
        ``root`` (or a parent of it) is a regular file, or cannot be created.
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"工作区路径 {root} 是一个文件，不是文件夹：请换一个文件夹作为工作区。")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise WorkspaceError(f"无法创建工作区 {root}：路径中有一段是文件而不是文件夹。") from None
    except OSError as exc:
        raise WorkspaceError(f"无法创建工作区 {root}：{exc.strerror or exc}。") from None
    for folder in folders:
        with contextlib.suppress(PermissionError, OSError):
            folder.mkdir(parents=True, exist_ok=True)


def short_name(stem: str, suffix: str, limit: int = NAME_MAX - 40) -> str:
    """``stem + suffix`` cut (on a character boundary) so that it stays within ``limit`` bytes.

    >>> short_name("沂源县" * 40, ".xlsx").encode()[-5:]
    b'.xlsx'
    >>> len(short_name("沂源县" * 40, ".xlsx").encode()) <= 215
    True
    """
    room = limit - len(suffix.encode("utf-8"))
    data = stem.encode("utf-8")
    if len(data) <= room:
        return stem + suffix
    cut = data[: max(room - 1, 1)].decode("utf-8", errors="ignore")
    return cut + "…" + suffix if len((cut + "…").encode()) <= room else cut + suffix


@contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` when the block succeeds.

    On any exception the temporary file is removed and ``path`` keeps what it had before.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".~", suffix=".part" + path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
