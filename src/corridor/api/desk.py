"""The payment desk: one thread that owns the payments engine and its ledger connection,
and gathers the payment creations that arrive together into one `submit_batch`.

A `Ledger` holds one database connection and is used by one thread only, so every call
into the engine runs here, one after another. Creations are a group commit: while one
batch is in the store, the requests that arrive queue up, and the next batch takes them
all (up to MAX_BATCH). Each request still gets its own Submission; a request alone is a
batch of one, which is `submit`. Should a batch fail as a whole (a defect, or the store
gone), each of its payments is tried again on its own, so one bad instruction cannot
take the others down with it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from corridor.payments.engine import PaymentEngine, Submission
from corridor.payments.payment import Payment

MAX_BATCH = 256
T = TypeVar("T")


@dataclass(slots=True)
class _Creation:
    payment: Payment
    key: str | None
    future: Future[Submission]
    note: Any = None


@dataclass(slots=True)
class _Call:
    fn: Callable[[PaymentEngine], Any]
    future: Future[Any]


class PaymentDesk:
    """Runs everything that touches the payments engine on one thread."""

    def __init__(
        self,
        make_engine: Callable[[], PaymentEngine],
        on_created: Callable[[list[tuple[Any, Submission]]], None] | None = None,
    ) -> None:
        self._make_engine = make_engine
        self._on_created = on_created
        self._work: queue.Queue[_Creation | _Call | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="payment-desk", daemon=True)
        self._started = threading.Event()
        self._engine: PaymentEngine | None = None
        self._failure: BaseException | None = None
        self.batches = 0
        self.batched = 0

    def start(self) -> None:
        """Open the engine on the desk's thread and begin taking work."""
        self._thread.start()
        self._started.wait()
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        """Finish the work queued so far, then close the engine's ledger."""
        if self._thread.is_alive():
            self._work.put(None)
            self._thread.join()

    def create(self, payment: Payment, key: str | None, note: Any = None) -> Future[Submission]:
        """A creation, answered when its batch is recorded; `note` goes with it to the
        desk's `on_created` (which audits the batch's new payments in one go)."""
        future: Future[Submission] = Future()
        self._work.put(_Creation(payment, key, future, note))
        return future

    def call(self, fn: Callable[[PaymentEngine], T]) -> Future[T]:
        """Run `fn(engine)` on the desk's thread (cancel, return, release, ...)."""
        future: Future[T] = Future()
        self._work.put(_Call(fn, future))
        return future

    def run(self, fn: Callable[[PaymentEngine], T]) -> T:
        """`call`, waiting for the answer (its exception raised here)."""
        return self.call(fn).result()

    def _run(self) -> None:
        try:
            self._engine = self._make_engine()
        except BaseException as exc:  # reported to start()'s caller
            self._failure = exc
            self._started.set()
            return
        self._started.set()
        engine = self._engine
        try:
            while True:
                item = self._work.get()
                if item is None:
                    return
                if isinstance(item, _Call):
                    _settle(item.future, item.fn, engine)
                    continue
                batch = [item]
                held: _Call | None = None
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        more = self._work.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stop = True
                        break
                    if isinstance(more, _Call):
                        held = more  # runs after this batch, in the order it came
                        break
                    batch.append(more)
                self._create(engine, batch)
                if held is not None:
                    _settle(held.future, held.fn, engine)
                if stop:
                    return
        finally:
            engine.ledger.close()

    def _create(self, engine: PaymentEngine, batch: list[_Creation]) -> None:
        self.batches += 1
        self.batched += len(batch)
        try:
            answers = engine.submit_batch(
                [c.payment for c in batch], idempotency_keys=[c.key for c in batch]
            )
        except Exception:
            for creation in batch:
                _settle(
                    creation.future,
                    partial(_submit_one, creation),
                    engine,
                )
            return
        if self._on_created is not None:
            try:
                self._on_created([(c.note, a) for c, a in zip(batch, answers, strict=True)])
            except Exception as exc:  # the payments stand; their answer says what failed
                for creation in batch:
                    creation.future.set_exception(exc)
                return
        for creation, answer in zip(batch, answers, strict=True):
            creation.future.set_result(answer)


def _submit_one(creation: _Creation, engine: PaymentEngine) -> Submission:
    return engine.submit(creation.payment, idempotency_key=creation.key)


def _settle(future: Future[Any], fn: Callable[[PaymentEngine], Any], engine: PaymentEngine) -> None:
    try:
        future.set_result(fn(engine))
    except Exception as exc:
        future.set_exception(exc)
