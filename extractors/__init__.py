"""Pure extraction: bytes in, records out.

Nothing in this package imports ``warehouse`` or ``flows`` or knows about
Prefect, so every function here can be tested on saved bytes.
"""
