"""cstool built-in plugin: quick phrases (``cstool search``, ``cstool kb ...``)."""

from cstool import hookimpl

__version__ = "0.1.0"


@hookimpl
def cstool_register_commands(app, invoked):
    if invoked not in (None, "search", "kb"):
        return  # another command: the search and kb commands' modules are not imported
    from .commands import register

    register(app, invoked)


@hookimpl
def cstool_kb_match(kb, questions):
    """Best KB entry per question, or None below the relevance threshold (see search.MATCH_THRESHOLD)."""
    from .index import IndexDamaged, open_index
    from .search import best_matches

    index = open_index(kb)
    try:
        return best_matches(index, list(questions))
    except IndexDamaged:
        index.close()
        index = open_index(kb, rebuild=True)  # damaged after its build: once, rebuilt
        return best_matches(index, list(questions))
    finally:
        index.close()


@hookimpl
def cstool_web_routes(register):
    from .web import contribute

    contribute(register)


@hookimpl
def cstool_describe_setup(state, register):
    from .index import index_dir

    register("index", "搜索索引", str(index_dir(state.kb)))
