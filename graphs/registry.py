"""The graphs a deployment registers, read from a LangGraph ``langgraph.json`` file.

Reading the registry never imports graph code: each :class:`GraphSpec` imports its module the first
time it is asked for the graph, so a graph that fails to import is reported on its own (see
:attr:`GraphSpec.error`) and never takes the other graphs, or the site, down with it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import json
import re
import sys
import threading
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

__all__ = [
    "DEFAULT_ASSISTANT_NAMESPACE",
    "GraphKind",
    "GraphLoadError",
    "GraphNotFound",
    "GraphSpec",
    "Registry",
    "default_assistant_id",
    "get_registry",
    "reset_registry",
]

#: LangGraph Server's namespace for the ids of the per-graph "system" assistants (not NAMESPACE_URL).
DEFAULT_ASSISTANT_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")

#: The name LangGraph gives a compiled graph when ``compile(name=...)`` is not used.
UNNAMED_GRAPH = "LangGraph"

GraphKind = Literal["compiled", "builder", "factory"]

_T = TypeVar("_T")

#: Values :meth:`GraphSpec.cached` keeps per graph (keys may come from query parameters).
MAX_CACHED_PER_GRAPH = 64


def default_assistant_id(graph_id: str) -> uuid.UUID:
    """The id LangGraph Server gives the default assistant of ``graph_id``."""
    return uuid.uuid5(DEFAULT_ASSISTANT_NAMESPACE, graph_id)


class GraphNotFound(LookupError):
    """No graph with this id is registered."""

    def __init__(self, graph_id: str, known: Iterable[str] = ()) -> None:
        self.graph_id = graph_id
        self.known = sorted(known)
        super().__init__(graph_id)

    def __str__(self) -> str:
        return f"Graph '{self.graph_id}' not found. Expected one of: {self.known!r}"


class GraphLoadError(RuntimeError):
    """A registered graph failed to import or to build; the message names the graph."""

    def __init__(self, message: str, *, graph_id: str | None = None) -> None:
        self.graph_id = graph_id
        super().__init__(message)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@dataclass(eq=False)
class GraphSpec:
    """One entry of ``langgraph.json``: where a graph lives and how to build it.

    ``path`` is the spec string (``"./graphs/demo/writer.py:graph"`` or ``"pkg.module:attr"``);
    ``base_dir`` is the directory of the JSON file, against which file paths are resolved.
    """

    graph_id: str
    path: str
    description: str | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    extra_sys_paths: tuple[Path, ...] = field(default=(), repr=False)

    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    _target: Any = field(default=None, init=False, repr=False)
    _target_loaded: bool = field(default=False, init=False, repr=False)
    _load_failure: GraphLoadError | None = field(default=None, init=False, repr=False)
    _compiled: Pregel | None = field(default=None, init=False, repr=False)
    _error: tuple[str | None] | None = field(default=None, init=False, repr=False)
    _cache: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False)

    # -- loading -------------------------------------------------------------------------------

    @property
    def module_ref(self) -> str:
        """The part of the spec before the last ``:`` (a file path or a dotted module)."""
        return self._split()[0]

    @property
    def attribute(self) -> str:
        """The attribute name after the last ``:``."""
        return self._split()[1]

    @property
    def is_file_path(self) -> bool:
        ref = self.module_ref
        return "/" in ref or "\\" in ref or ref.endswith(".py")

    def _split(self) -> tuple[str, str]:
        ref, sep, attr = self.path.rpartition(":")
        if not sep or not ref or not attr:
            raise GraphLoadError(
                f"Graph '{self.graph_id}' has an invalid path {self.path!r}: "
                "expected './file.py:attribute' or 'package.module:attribute'.",
                graph_id=self.graph_id,
            )
        return ref, attr

    def load_target(self) -> Any:
        """Import the module and return the attribute the spec names (imported once, cached).

        Raises :class:`GraphLoadError` (with the import error as its cause) if that fails; the
        failure is cached too, so a broken module is not re-executed on every call.
        """
        with self._lock:
            if self._load_failure is not None:
                raise GraphLoadError(str(self._load_failure), graph_id=self.graph_id) from (
                    self._load_failure.__cause__
                )
            if not self._target_loaded:
                try:
                    self._target = self._import_target()
                except GraphLoadError as exc:
                    self._load_failure = exc
                    raise
                self._target_loaded = True
            return self._target

    def _import_target(self) -> Any:
        ref, attr = self._split()
        try:
            module = self._import_file(ref) if self.is_file_path else self._import_dotted(ref)
        except (Exception, SystemExit) as exc:
            raise GraphLoadError(
                f"Graph '{self.graph_id}' failed to load: {_describe(exc)}", graph_id=self.graph_id
            ) from exc
        try:
            return getattr(module, attr)
        except AttributeError as exc:
            raise GraphLoadError(
                f"Graph '{self.graph_id}' failed to load: module {module.__name__!r} "
                f"has no attribute {attr!r}",
                graph_id=self.graph_id,
            ) from exc

    def _module_name(self, file: Path) -> str:
        safe_id = re.sub(r"\W", "_", self.graph_id)
        digest = hashlib.sha1(str(file).encode()).hexdigest()[:8]
        return f"studio_graphs.{safe_id}_{digest}"

    def _import_file(self, ref: str) -> ModuleType:
        file = Path(ref)
        if not file.is_absolute():
            file = self.base_dir / file
        file = file.resolve()
        if not file.is_file():
            raise FileNotFoundError(f"No such file: {file}")
        name = self._module_name(file)
        existing = sys.modules.get(name)
        if existing is not None and getattr(existing, "__file__", None) == str(file):
            return existing
        module_spec = importlib.util.spec_from_file_location(name, file)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"Cannot import {file}")
        module = importlib.util.module_from_spec(module_spec)
        # Registered before execution: dataclasses, pydantic and typing resolve names through it.
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    def _import_dotted(self, ref: str) -> ModuleType:
        for directory in (self.base_dir, *self.extra_sys_paths):
            entry = str(directory.resolve())
            if entry not in sys.path:
                sys.path.insert(0, entry)
        return importlib.import_module(ref)

    @property
    def kind(self) -> GraphKind:
        """``"compiled"`` (a Pregel), ``"builder"`` (a StateGraph) or ``"factory"`` (a callable).

        Raises :class:`GraphLoadError` if the module cannot be imported or the attribute is none
        of these.
        """
        target = self.load_target()
        if isinstance(target, Pregel):
            return "compiled"
        if isinstance(target, StateGraph):
            return "builder"
        if callable(target):
            return "factory"
        raise self._invalid(target)

    def _invalid(self, value: Any) -> GraphLoadError:
        return GraphLoadError(
            f"Graph '{self.graph_id}' is not valid: expected a compiled graph, a StateGraph or "
            f"a factory returning one, got {type(value).__name__}.",
            graph_id=self.graph_id,
        )

    # -- building ------------------------------------------------------------------------------

    def cached(self, key: Hashable, compute: Callable[[], _T], *, config_free: bool = False) -> _T:
        """``compute()`` once per spec and ``key`` (schemas, drawings, prompt variables).

        The one cache of what is derived from a graph: it lives and dies with the spec (a reloaded
        registry starts empty). A factory is built per config, so its values are kept only when
        ``config_free`` says ``compute`` builds it without one. Nothing is kept for a ``compute``
        that raises. Values are shared: callers must not mutate them.
        """
        if not config_free and self.kind == "factory":
            return compute()
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            if len(self._cache) < MAX_CACHED_PER_GRAPH:
                self._cache.setdefault(key, value)
        return value

    def build(self, config: dict[str, Any] | None = None) -> Pregel:
        """Return the compiled graph, built with ``config`` when the graph is a factory.

        Compiled graphs and builders are compiled once and cached; factories are called on every
        build (as LangGraph Server does), with no argument or with ``config`` (a RunnableConfig
        dict, ``{}`` when not given) depending on their signature.
        """
        kind = self.kind
        if kind == "factory":
            return self._call_factory(self.load_target(), config or {})
        with self._lock:
            if self._compiled is None:
                target = self.load_target()
                self._compiled = target if kind == "compiled" else self._compile(target)
            return self._compiled

    def _compile(self, builder: StateGraph) -> Pregel:
        try:
            return builder.compile()
        except Exception as exc:
            raise GraphLoadError(
                f"Graph '{self.graph_id}' failed to load: {_describe(exc)}", graph_id=self.graph_id
            ) from exc

    def _call_factory(self, factory: Callable[..., Any], config: dict[str, Any]) -> Pregel:
        args = self._factory_args(factory, config)
        try:
            value = _resolve(factory(*args))
        except GraphLoadError:
            raise
        except Exception as exc:
            raise GraphLoadError(
                f"Graph '{self.graph_id}' failed to load: {_describe(exc)}", graph_id=self.graph_id
            ) from exc
        if isinstance(value, Pregel):
            return value
        if isinstance(value, StateGraph):
            return self._compile(value)
        raise self._invalid(value)

    def _factory_args(self, factory: Callable[..., Any], config: dict[str, Any]) -> tuple[Any, ...]:
        """``()`` for ``make_graph()``, ``(config,)`` for ``make_graph(config)``."""
        try:
            parameters = inspect.signature(factory).parameters.values()
        except (TypeError, ValueError):  # builtins without a signature: call them bare
            return ()
        positional = [
            p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        required = [p for p in positional if p.default is p.empty]
        if len(required) > 1:
            raise GraphLoadError(
                f"Graph '{self.graph_id}' is not valid: a factory takes no argument or one "
                f"(the config), {getattr(factory, '__name__', factory)!r} takes {len(required)}.",
                graph_id=self.graph_id,
            )
        return (config,) if positional else ()

    # -- reporting -----------------------------------------------------------------------------

    @property
    def error(self) -> str | None:
        """Why the graph cannot be built (tried once with an empty config), or None. Never raises."""
        with self._lock:
            if self._error is None:
                try:
                    self.build()
                except GraphLoadError as exc:
                    self._error = (str(exc),)
                except Exception as exc:  # defensive: a bug must not break a listing page
                    self._error = (f"Graph '{self.graph_id}' failed to load: {_describe(exc)}",)
                else:
                    self._error = (None,)
            return self._error[0]

    @property
    def default_name(self) -> str:
        """The name of the graph's default assistant, as LangGraph Server chooses it.

        The compiled graph's ``name`` if it was given one (``compile(name=...)``), otherwise the
        graph id (also for builders, factories and graphs that fail to load). Never calls a factory.
        """
        try:
            target = self.load_target()
        except GraphLoadError:
            return self.graph_id
        if isinstance(target, Pregel) and target.name and target.name != UNNAMED_GRAPH:
            return target.name
        return self.graph_id


def _resolve(value: Any) -> Any:
    """Unwrap what a factory may return: a coroutine or a (sync or async) context manager.

    Context managers are entered to take the graph and exited right away: the studio only
    inspects graphs (schemas, drawings), it never keeps a run open on them.
    """
    if inspect.iscoroutine(value):
        return _resolve(_run_async(value))
    if isinstance(value, contextlib.AbstractContextManager) and not isinstance(
        value, Pregel | StateGraph
    ):
        with value as entered:
            return _resolve(entered)
    if isinstance(value, contextlib.AbstractAsyncContextManager):

        async def enter() -> Any:
            async with value as entered:
                return entered

        return _resolve(_run_async(enter()))
    return value


def _run_async(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from inside an event loop (e.g. an async view): run it on a private loop.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Registry:
    """The graphs registered in one ``langgraph.json`` file, in file order."""

    def __init__(self, specs: list[GraphSpec], *, source: Path | None = None) -> None:
        self.source = source
        self._specs: dict[str, GraphSpec] = {spec.graph_id: spec for spec in specs}

    @classmethod
    def from_file(cls, path: str | Path) -> Registry:
        """Read ``langgraph.json``; raises ImproperlyConfigured if it is missing or malformed."""
        file = Path(path).expanduser().resolve()
        where = f"Graphs file {file} (setting STUDIO_GRAPHS_FILE)"
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ImproperlyConfigured(f"{where} does not exist.") from None
        except OSError as exc:
            raise ImproperlyConfigured(f"{where} cannot be read: {exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(f"{where} is not valid JSON: {exc}") from exc
        return cls.from_dict(data, base_dir=file.parent, source=file)

    @classmethod
    def from_dict(cls, data: Any, *, base_dir: Path, source: Path | None = None) -> Registry:
        """Build a registry from the parsed content of a ``langgraph.json`` file."""
        where = f"Graphs file {source}" if source else "Graphs configuration"
        if not isinstance(data, dict):
            raise ImproperlyConfigured(f"{where} must hold a JSON object.")
        graphs = data.get("graphs")
        if not isinstance(graphs, dict):
            raise ImproperlyConfigured(
                f'{where} needs a "graphs" object mapping graph ids to "path/file.py:attribute".'
            )
        if not graphs:
            raise ImproperlyConfigured(f'{where} registers no graphs ("graphs" is empty).')
        extra = tuple(
            (base_dir / dep).resolve()
            for dep in data.get("dependencies") or []
            if isinstance(dep, str) and dep.startswith((".", "/")) and dep != "."
        )
        specs = []
        for graph_id, value in graphs.items():
            if isinstance(value, str):
                path, description = value, None
            elif isinstance(value, dict) and isinstance(value.get("path"), str):
                path, description = value["path"], value.get("description")
                if description is not None and not isinstance(description, str):
                    raise ImproperlyConfigured(
                        f"{where}: the description of graph {graph_id!r} must be a string."
                    )
            else:
                raise ImproperlyConfigured(
                    f'{where}: graph {graph_id!r} must be a "module:attribute" string or an '
                    f'object with a "path", got {value!r}.'
                )
            ref, sep, attr = path.rpartition(":")
            if not (sep and ref and attr):
                raise ImproperlyConfigured(
                    f"{where}: graph {graph_id!r} has path {path!r}; expected "
                    "'./file.py:attribute' or 'package.module:attribute'."
                )
            specs.append(
                GraphSpec(
                    graph_id=graph_id,
                    path=path,
                    description=description,
                    base_dir=base_dir,
                    extra_sys_paths=extra,
                )
            )
        return cls(specs, source=source)

    def graph_ids(self) -> list[str]:
        return list(self._specs)

    def specs(self) -> list[GraphSpec]:
        return list(self._specs.values())

    def get(self, graph_id: str) -> GraphSpec:
        try:
            return self._specs[graph_id]
        except KeyError:
            raise GraphNotFound(graph_id, list(self._specs)) from None

    def __contains__(self, graph_id: object) -> bool:
        return graph_id in self._specs

    def __iter__(self) -> Iterator[GraphSpec]:
        return iter(self.specs())

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        return f"<Registry {self.source} graphs={self.graph_ids()}>"


_registries: dict[str, Registry] = {}
_registries_lock = threading.Lock()


def get_registry() -> Registry:
    """The registry for ``settings.STUDIO_GRAPHS_FILE``, read once per file and cached.

    Does not import any graph module. Raises ImproperlyConfigured if the file is missing or
    malformed (not cached, so fixing the file is picked up by the next call).
    """
    setting = str(settings.STUDIO_GRAPHS_FILE)
    registry = _registries.get(setting)  # the hot path: every API request asks, no file system
    if registry is not None:
        return registry
    key = str(Path(setting).expanduser().resolve())
    with _registries_lock:
        registry = _registries.get(key)
        if registry is None:
            registry = _registries[key] = Registry.from_file(key)
        _registries[setting] = registry
        return registry


def reset_registry() -> None:
    """Forget every cached registry (tests, or after editing ``langgraph.json``)."""
    with _registries_lock:
        _registries.clear()
