"""The DuckDB warehouse: connection and lock, schema, bulk loads, the SQL
models of ``sql/``, and the alert outbox with its delivery.

Never imports ``flows``; takes plain records from ``extractors``.
"""
