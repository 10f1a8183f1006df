"""cstool built-in plugin: ``cstool serve``, the agent's workbench in a browser tab.

This plugin holds only the server, the layout and the security (token,
CSRF, headers, masking switch); every page comes from a feature plugin
through the ``cstool_web_routes`` hook. Starlette, uvicorn and Jinja2 are
imported only when ``serve`` runs.
"""

from cstool import hookimpl

__version__ = "0.1.0"


@hookimpl
def cstool_register_commands(app, invoked):
    if invoked not in (None, "serve"):
        return
    from .commands import serve_command

    app.command("serve")(serve_command)
