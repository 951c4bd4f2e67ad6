"""Shared contracts of crisiswatch: the mention schema, settings, the Vietnamese text toolkit,
the boolean query language and the Kafka bus. Every stage imports from here; no stage imports another."""
