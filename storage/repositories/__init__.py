"""SQL implementations of the core's repository ports, one module per entity."""

from storage.repositories.incidents import SqlIncidentRepository
from storage.repositories.processed_events import SqlProcessedEventRepository
from storage.repositories.timeline import SqlTimelineRepository

__all__ = ["SqlIncidentRepository", "SqlProcessedEventRepository", "SqlTimelineRepository"]
