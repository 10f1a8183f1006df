"""Every hook a cstool plugin can implement.

Hooks that contribute things receive a ``register`` callback instead of
returning values, so the core keeps control of validation and a new keyword
argument never breaks an older plugin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # types only: this module is imported at every start
    import typer

    from .kb import KnowledgeBase

hookspec = pluggy.HookspecMarker("cstool")


@hookspec
def cstool_register_commands(app: typer.Typer, invoked: str | None) -> None:
    """Add commands or command groups to the root Typer ``app``.

    ``invoked`` is the top-level command this run calls by its exact name
    (``"search"``, ``"promo"``…), or ``None`` when every command may be needed
    (help, completion, a mistyped name). A plugin may skip registering, and
    importing, commands of other names; registering everything is always
    correct. Import heavy modules inside the command bodies, not here: this
    hook runs on every start of ``cstool``.
    """


@hookspec
def cstool_placeholders(kb: KnowledgeBase, register: Callable[[str, Callable[[], str | None]], None]) -> None:
    """Offer reply placeholders such as ``{promo}``.

    Call ``register(name, producer)`` where ``producer()`` returns the text;
    it is only called when a reply actually uses the placeholder. ``kb`` is
    the :class:`cstool.kb.KnowledgeBase` being rendered. When there is
    nothing true to say now (no campaign running), the producer returns
    ``None`` or raises :class:`cstool.template.NothingToSay`: the reply then
    uses another variant or the team's ``placeholder_fallbacks`` text, never
    an empty or stale one.
    """


@hookspec(historic=True)
def cstool_add_hookspecs(pm: pluggy.PluginManager) -> None:
    """Add the hook specifications a plugin owns: ``pm.add_hookspecs(module)`` (as pytest's ``pytest_addhooks``).

    Called for every plugin as it is registered (a historic hook), so a
    plugin's own hooks are known before any implementation of them is checked;
    hooks only one plugin calls (``cstool_promo_rule_types``) live in that plugin.
    """


@hookspec(firstresult=True)
def cstool_kb_match(kb: KnowledgeBase, questions: list[str]) -> list[dict[str, Any] | None] | None:
    """Match buyer questions against the knowledge base ``kb``.

    Return one item per question: ``None`` when nothing matched, else a dict
    with at least ``id``, ``title`` and ``score``. The logbook uses it to list
    frequent questions the KB cannot answer yet. First non-None result wins.
    """


@hookspec
def cstool_web_routes(register: Callable[..., None]) -> None:
    """Contribute pages and endpoints to ``cstool serve`` (the browser workbench).

    Call ``register(name, routes=[...], templates=folder, static=folder, nav=[...])``:

    - ``name``: short plugin name; prefixes its templates (``"<name>/page.html"``)
      and its static files (``/static/<name>/...``).
    - ``routes``: ``(path, handler)`` or ``(path, handler, methods)`` tuples.
      ``handler(web)`` is a plain (synchronous) function run in a worker
      thread (or a coroutine function, awaited on the event loop: it must
      hand blocking work to a thread of its own); ``web`` is the request seen by cstool: ``web.query``,
      ``web.data`` (JSON or form body), ``web.path_params``, ``web.state``
      (the run's :class:`cstool.context.AppState`), ``web.unmasked`` and
      ``web.shown(data)`` (masking unless a supervisor unlocked it),
      ``web.shared`` (a dict the plugin may keep resources in), and
      ``web.render(template, **vars)``, ``web.json(data)``,
      ``web.download(content, filename, media_type)``. Returning a dict or
      list sends JSON; raising :class:`cstool.errors.BadInput` sends 400
      with the Chinese message.
    - ``nav``: ``(path, label, order)`` entries for the navigation bar.
    - ``startup``: optional ``startup(state, shared)`` run once before the
      server prints its URL (open an index so the first keystroke is fast).

    The web plugin owns the server, the layout, authentication, CSRF and the
    security headers; a handler never deals with them. Templates are Jinja2
    with autoescape on and extend ``"web/base.html"``.
    """


@hookspec
def cstool_learning_examples(kb: Any, register: Callable[..., None]) -> None:
    """Offer buyer messages the knowledge base ``kb`` could learn phrasings from.

    Call ``register(question, entry_id=None, count=1)`` for each: ``question``
    is what a buyer wrote, ``entry_id`` the KB entry an agent answered it with
    when known (else None: ``cstool kb learn`` then asks the search which entry
    it is closest to), ``count`` how often it was seen. The logbook implements
    it with the questions of its inquiries; ``cstool kb learn`` masks phone
    numbers, addresses and names before anything reaches the KB.
    """


@hookspec
def cstool_search_backends(register: Callable[[str, Any], None]) -> None:
    """Offer an engine that stores the quick-phrase search index.

    Call ``register(name, backend)``; ``backend`` is an object (a module will
    do) or a no-argument factory returning one (raise
    :class:`cstool.errors.BadInput` there when a library is missing, naming
    the install command). The user picks it with ``CSTOOL_SEARCH_BACKEND=name``
    or ``search_backend = "name"`` in ``config.toml``; ``whoosh`` is built in.

    The backend is only a postings store: every entry arrives already
    analysed, and the ranking above it (query terms, synonyms, pinyin,
    homophones, phrasing closeness, exact-wording boost, usage, rotation)
    is the same whatever stores the terms. A backend has:

    - ``NAME``: its name (also names its index folder);
    - ``write(folder, docs, progress)``: index ``docs`` into the empty
      ``folder``. ``docs`` is a sequence of ``(fields, stored)``: ``fields``
      maps ``"text"``, ``"replies"``, ``"py"``, ``"shortcut"``, ``"stage"``
      and ``"tag"`` to ``{term: frequency}``; ``stored`` is a JSON-able dict.
      A document's number is its position in ``docs``. ``progress(done,
      total)`` may be called while writing (or None);
    - ``memory(docs, progress)``: the same, kept in memory; returns a reader;
    - ``open(folder)``: a reader of what ``write`` wrote (raise on a corrupt
      index: it is rebuilt).

    A reader has ``doc_count()``, ``doc_frequency(field, term)``,
    ``postings(field, term)`` returning ``(document numbers, weights)`` with
    weight = the term's frequency in the document, ``stored(docnum)``,
    ``documents()`` (every stored dict), ``terms_with_prefix(field, prefix)``
    and ``close()``; optionally ``postings_by_weight(field, term)``, the same
    postings grouped as ``[(weight, [document numbers])]`` (scoring reads
    these; without it a reader's ``postings`` are grouped in Python); and
    optionally, together, ``term_weights(field, term)`` (the distinct
    frequencies) and ``top_documents(clauses, n, filters)``, the best ``n``
    documents by summed clause scores added up natively (see docs/plugins.md;
    None where the engine cannot promise exact sums and KB order on ties). The
    tantivy plugin (``plugins/cstool_tantivy``) is a complete example.
    """


@hookspec
def cstool_describe_setup(state: Any, register: Callable[[str, str, str], None]) -> None:
    """Say where this plugin keeps its files, for ``cstool kb which``.

    Call ``register(key, label, value)``: ``key`` is the ``--json`` key (e.g.
    ``logbook_db``), ``label`` the Chinese name shown to a person, ``value``
    the location (a path, or a database URL without its password). ``state``
    is the run's :class:`cstool.context.AppState` (``state.kb`` is the KB in
    use). Keep it cheap and never create anything: it only describes.
    """
