"""cstool: a customer-service toolkit for Chinese online shops.

The public plugin API is ``from cstool import hookimpl``; keep this module free
of heavy imports, it runs on every start.
"""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("cstool")

__all__ = ["__version__", "hookimpl"]
