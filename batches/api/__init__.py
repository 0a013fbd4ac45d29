"""Resumption batches and applications through the REST API."""

from batches.api.applications import ApplicationViewSet
from batches.api.batches import BatchViewSet

__all__ = ["ApplicationViewSet", "BatchViewSet"]
