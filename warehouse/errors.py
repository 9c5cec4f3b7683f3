"""Errors of the warehouse, in the family of :class:`DealwatchError`."""

from extractors.errors import DealwatchError


class WarehouseError(DealwatchError):
    """The database could not be opened or written."""


class WarehouseLocked(WarehouseError):
    """Another dealwatch process holds the database and did not let go in time."""


class ModelError(WarehouseError):
    """A SQL model failed to build."""

    def __init__(self, model: str, reason: str):
        super().__init__(f"SQL model {model}: {reason}")
        self.model = model


class DeliveryError(DealwatchError):
    """An alert could not be delivered to one channel."""
