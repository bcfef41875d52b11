"""The state kafka-python's idempotent producer is left in after expired retries, and the repair.

These run kafka-python's own transaction manager (no broker involved): the sender asks for
a new producer id by calling ``init_producer_id()`` whenever it has none.
"""

from __future__ import annotations

from kafka.producer.transaction_manager import ProducerIdAndEpoch, TransactionManager, TransactionState

from infra.producer_repairs import RecoveringTransactionManager


def ready(manager: TransactionManager) -> TransactionManager:
    """A manager as it is after a successful InitProducerId."""
    manager.init_producer_id()
    manager.next_request_handler(False)  # the sender takes the request...
    manager.set_producer_id_and_epoch(ProducerIdAndEpoch(4000, 0))  # ...and the broker answers
    manager._transition_to(TransactionState.READY)
    return manager


def test_the_library_never_asks_again_after_a_reset() -> None:
    # What the sender does when batches that were retried expire (sender.py), then on its
    # next loops. If this starts failing, kafka-python has fixed it: the repair may go.
    manager = ready(TransactionManager(api_version=(4, 1)))
    manager.reset_producer_id()
    manager.init_producer_id()
    assert not manager.has_producer_id()
    assert manager.next_request_handler(False) is None  # no InitProducerId: wedged for good


def test_the_repaired_manager_asks_for_a_new_producer_id() -> None:
    manager = ready(RecoveringTransactionManager(api_version=(4, 1)))
    manager.reset_producer_id()
    manager.init_producer_id()
    handler = manager.next_request_handler(False)
    assert type(handler).__name__ == "InitProducerIdHandler"
    assert handler.request.producer_id == -1  # a fresh id, not a bump of the old one
    # The answer brings the producer back to READY under the new id.
    manager.set_producer_id_and_epoch(ProducerIdAndEpoch(4001, 0))
    manager._transition_to(TransactionState.READY)
    assert manager.has_producer_id() and manager.producer_id_and_epoch.producer_id == 4001
