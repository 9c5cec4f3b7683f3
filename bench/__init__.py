"""The benchmark of issue 6: ``make bench`` / ``python -m bench``.

Not shipped in the wheel (``pyproject.toml`` lists the packages it ships).
Modules: ``corpus`` (synthetic pages and feeds, a pure function of seed and
index), ``server`` (serves them on loopback, counts requests), ``stages``
(the measured work, each run in its own subprocess), ``measure`` (wall time
and peak memory of a subprocess), ``report`` (table and JSON), ``run`` (the
command line).
"""
