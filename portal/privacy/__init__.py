"""Privacy by design (AVG): retention, export and erasure of a person, the register.

This package composes what every feature exposes in its own ``privacy.py`` (services own
their SQL) through the small registry in ``registry.py``. It sits on top like cli.py:
no feature imports it.
"""
