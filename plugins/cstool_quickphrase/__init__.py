"""cstool built-in plugin: quickphrase."""

from cstool import hookimpl

__version__ = "0.1.0"


@hookimpl
def cstool_register_commands(app):
    pass
