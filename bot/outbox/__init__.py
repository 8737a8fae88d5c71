"""Outgoing messages: persisted first, delivered by a worker, never lost."""
