"""Two helper threads of an import: reading the next batch ahead, storing the previous one behind.

An import normalises and checks one batch at a time on the calling thread. :func:`read_ahead`
parses and decodes the next batch on a thread of its own meanwhile (started at once, before the
first batch is asked for), and :class:`Behind` runs the storing of each
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
from typing import Any, Generic, TypeVar

__all__ = ["Behind", "ReadAhead", "read_ahead"]

T = TypeVar("T")

_DONE = object()
#: Seconds between checks of the stop flag while a hand-over is full or empty.
_POLL = 0.1


class ReadAhead(Generic[T]):
    """The items of an iterable in order, produced on a helper thread (at most ``depth`` ahead).

    The thread starts at once, so the first item is being produced while the caller still prepares
    (opens its transaction …). Iterate it, or call :meth:`close` to stop and join the thread: after
    the last item, after an error (raised in the item's place), or on ``close`` — also when it was
    never iterated. Use it as a context manager (``close`` on leaving) or with
    :func:`contextlib.closing`.

    Parameters
    ----------
    items : iterable
        Produced on the helper thread (its ``iter`` and ``next`` run there).
    depth : int, default 1
        Items produced ahead of the consumer.

    Examples
    --------
    >>> list(ReadAhead(range(5)))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, items: Iterable[T], depth: int = 1) -> None:
        self._hand: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=max(depth, 1))
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(
            target=self._produce, args=(items, self._hand, self._stop), name="ingest-read-ahead", daemon=True
        )
        self._thread.start()

    @staticmethod
    def _produce(
        items: Iterable[T], hand: queue.Queue[tuple[Any, BaseException | None]], stop: threading.Event
    ) -> None:
        """The thread's work; it holds no reference to the reader, so an abandoned one is collected
        (its finaliser stops the thread)."""

        def put(entry: tuple[Any, BaseException | None]) -> bool:
            while not stop.is_set():
                try:
                    hand.put(entry, timeout=_POLL)
                    return True
                except queue.Full:
                    continue
            return False

        source: Iterator[T] | None = None
        try:
            source = iter(items)
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

    def __iter__(self) -> ReadAhead[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item, error = self._hand.get()
        if error is not None or item is _DONE:
            self.close()
            if error is not None:
                raise error
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop the producer and wait for it (it finishes the item it is producing, if any)."""
        self._done = True
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __del__(self) -> None:
        self._stop.set()  # an abandoned reader: let its thread end (no join from a finaliser)


def read_ahead(items: Iterable[T], depth: int = 1) -> ReadAhead[T]:
    """:class:`ReadAhead` of ``items``: yield them in order while a thread produces the next ones.

    Parameters
    ----------
    items : iterable
        Produced on the helper thread (its ``next`` runs there).
    depth : int, default 1
        Items produced ahead of the consumer.

    Returns
    -------
    ReadAhead
        Its thread is running already. An exception raised while producing an item is raised in
        the item's place; ``close()`` (or leaving a ``with`` block) stops and joins the thread.

    Examples
    --------
    >>> list(read_ahead(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    return ReadAhead(items, depth)


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
