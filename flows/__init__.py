"""Orchestration: the Prefect flows, the config file and the CLI.

Flows wire the stages together; parsing lives in ``extractors`` and every
database statement in ``warehouse`` and ``sql/``.
"""
