"""Exceptions raised to users. Messages are in Chinese where bureau staff read them."""

from __future__ import annotations


class InputFileError(ValueError):
    """A file that cannot be used at all (unreadable, empty, required columns missing, wrong kind).

    The workspace is left exactly as it was.
    """


class WorkspaceError(RuntimeError):
    """The workspace cannot be used as asked: its folder or database file is broken, unreadable or
    read-only, or it was written by a newer version. The message says why, in one Chinese line."""


class WorkspaceBusyError(WorkspaceError):
    """The workspace database is held by another process (a notebook kernel, the CLI)."""


class RegisterError(ValueError):
    """A register operation that was refused as a whole."""
