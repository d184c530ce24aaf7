"""Two helper threads of an import: reading the next batch ahead, storing the previous one behind.

An import checks one batch at a time on the calling thread. :func:`read_ahead` decodes and parses
the next batch on a thread of its own meanwhile, and :class:`Behind` runs the storing of each
checked batch (DuckDB) on another, so the three overlap where the work releases the GIL (arrow's
CSV parser and compute kernels, DuckDB). Each hand-over holds at most ``depth`` batches, so memory
stays bounded by the batch size, not the file. An error in a helper thread is raised on the calling
thread, at the batch that caused it (the batches before it were handed over normally), and the
helper threads are stopped and joined before the error leaves: nothing runs on after a failure,
and the caller's transaction can be rolled back safely.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["Behind", "read_ahead"]

T = TypeVar("T")

_DONE = object()
#: Seconds between checks of the stop flag while a hand-over is full or empty.
_POLL = 0.1


def read_ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order while a thread produces the next ones (at most ``depth`` ahead).

    Parameters
    ----------
    items : iterable
        Produced on the helper thread (its ``next`` runs there).
    depth : int, default 1
        Items produced ahead of the consumer.

    Yields
    ------
    The items of ``items``. An exception raised while producing one is raised here, in its place;
    closing the generator early (``break``, an error in the consumer) stops and joins the thread.

    Examples
    --------
    >>> list(read_ahead(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    hand: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=max(depth, 1))
    stop = threading.Event()

    def put(entry: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                hand.put(entry, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        try:
            for item in source:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put((_DONE, exc))
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None and stop.is_set():
                close()
        put((_DONE, None))

    thread = threading.Thread(target=produce, name="ingest-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = hand.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        thread.join()


class Behind:
    """Run jobs in submission order on one helper thread, at most ``depth`` waiting.

    :meth:`submit` hands a job over (waiting while ``depth`` jobs are queued) and first raises the
    error of an earlier job, if one failed; :meth:`finish` waits for every job and raises such an
    error; :meth:`stop` (after a failure elsewhere) drops the queued jobs and waits for the running
    one. After an error no further job runs. Use it as a context manager: leaving the block with an
    exception stops it, leaving normally finishes it.

    Examples
    --------
    >>> out = []
    >>> with Behind() as behind:
    ...     for k in range(3):
    ...         behind.submit(out.append, k)
    >>> out
    [0, 1, 2]
    """

    def __init__(self, depth: int = 1) -> None:
        self._jobs: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue(
            maxsize=max(depth, 1)
        )
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-store-behind", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None or self._stop.is_set():
                return
            fn, args = job
            try:
                fn(*args)
            except BaseException as exc:  # raised on the calling thread
                self._error = exc
                self._stop.set()
                return

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self.stop()
            raise error

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)``; raise the error of an earlier job first, if any."""
        self._raise()
        while True:
            if self._stop.is_set():
                self._raise()
                raise RuntimeError("the store thread has stopped")
            try:
                self._jobs.put((fn, args), timeout=_POLL)
                return
            except queue.Full:
                continue

    def finish(self) -> None:
        """Wait for every queued job; raise the error of a failed one."""
        if self._thread.is_alive():
            while not self._stop.is_set():
                try:
                    self._jobs.put(None, timeout=_POLL)
                    break
                except queue.Full:
                    continue
            self._thread.join()
        self._raise()

    def stop(self) -> None:
        """Drop the queued jobs and wait for the running one (nothing runs after this)."""
        self._stop.set()
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        try:
            self._jobs.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join()

    def __enter__(self) -> Behind:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.finish()
        else:
            self.stop()
