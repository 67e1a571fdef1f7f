"""Operation descriptors: each cloud operation is described ONCE and exposed by both shells.

A service class (``_services.py``) is a table of descriptors, for example
``get = Get("/tunnel_sessions/{}", TunnelSession)``. Reading the attribute from a service instance binds the
operation to that service's shell: the bound function builds the request with the shell's :class:`CloudCore` and
hands it to the shell's one I/O method (``_call`` for one answer, ``_iterate`` for a list). The runtime code is the
same for both shells; only the types differ, chosen by the service's type parameter: a ``Service[Sync]`` gives
plain methods and iterators, a ``Service[Async]`` gives coroutines and async iterators (the ``@overload``\\ s of each
``__get__``). Nothing here does I/O.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, ParamSpec, Protocol, TypeVar, overload

from typed_ngrok import _errors
from typed_ngrok.cloud._core import Listing, Page

if TYPE_CHECKING:
    from typed_ngrok.cloud._core import CloudCore, Request

__all__ = ["Action", "Async", "Create", "Delete", "Get", "List", "PageOf", "Service", "Sync", "Update"]

M = TypeVar("M")
M_co = TypeVar("M_co", covariant=True)
E = TypeVar("E")
S = TypeVar("S")
P = ParamSpec("P")
T = TypeVar("T")

Parser = Callable[["Request", int, Mapping[str, str], bytes], T]


class Sync:
    """Type marker: the service belongs to a :class:`CloudClient`."""


class Async:
    """Type marker: the service belongs to an :class:`AsyncCloudClient`."""


class _Shell(Protocol):
    """What a shell offers the operations: its core and its two I/O entry points."""

    @property
    def _core(self) -> CloudCore: ...

    def _call(self, request: Request, parse: Parser[Any]) -> Any: ...

    def _iterate(self, request: Request, listing: Listing[Any, Any]) -> Any: ...


class Service(Generic[S]):
    """A group of operations (``cloud.tunnel_sessions``) bound to one client."""

    _name: ClassVar[str] = ""

    def __init__(self, shell: _Shell) -> None:
        self._shell = shell

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._shell!r}>"


class _Body(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


# --------------------------------------------------------------------------- the typed signatures users see
class _GetSync(Protocol[M_co]):
    def __call__(self, id: str) -> M_co: ...


class _GetAsync(Protocol[M_co]):
    def __call__(self, id: str) -> Coroutine[Any, Any, M_co]: ...


class _ListSync(Protocol[M_co]):
    def __call__(
        self,
        before_id: str | None = None,
        limit: int | None = None,
        filter: str | None = None,
    ) -> Iterator[M_co]: ...


class _ListAsync(Protocol[M_co]):
    def __call__(
        self,
        before_id: str | None = None,
        limit: int | None = None,
        filter: str | None = None,
    ) -> AsyncIterator[M_co]: ...


class _PageSync(Protocol[M]):
    def __call__(
        self,
        before_id: str | None = None,
        limit: int | None = None,
        filter: str | None = None,
        *,
        next_page_uri: str | None = None,
    ) -> Page[M]: ...


class _PageAsync(Protocol[M]):
    def __call__(
        self,
        before_id: str | None = None,
        limit: int | None = None,
        filter: str | None = None,
        *,
        next_page_uri: str | None = None,
    ) -> Coroutine[Any, Any, Page[M]]: ...


class _UpdateSync(Protocol[P, M_co]):
    def __call__(self, id: str, *args: P.args, **kwargs: P.kwargs) -> M_co: ...


class _UpdateAsync(Protocol[P, M_co]):
    def __call__(self, id: str, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, M_co]: ...


class _IdSync(Protocol):
    def __call__(self, id: str) -> None: ...


class _IdAsync(Protocol):
    def __call__(self, id: str) -> Coroutine[Any, Any, None]: ...


# --------------------------------------------------------------------------- the descriptors
class _Operation:
    """Common part: the attribute name (for messages) and the binding to a service instance."""

    _attr = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._attr = name

    def _label(self, service: Service[Any]) -> str:
        return f"{service._name}.{self._attr}"


def _body(operation: str, make: Callable[..., _Body], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The JSON body from the generated request model; a wrong argument is refused before any I/O."""
    try:
        return make(*args, **kwargs).to_dict()
    except TypeError as exc:
        raise _errors.argument_error(operation, "arguments", "the fields of the request body", exc) from exc


class Get(_Operation, Generic[M]):
    """``get(id)``: GET one resource."""

    def __init__(self, path: str, model: type[M]) -> None:
        self.path, self.model = path, model

    @overload
    def __get__(self, obj: None, owner: type) -> Get[M]: ...
    @overload
    def __get__(self, obj: Service[Sync], owner: type) -> _GetSync[M]: ...
    @overload
    def __get__(self, obj: Service[Async], owner: type) -> _GetAsync[M]: ...
    def __get__(self, obj: Service[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        shell, label = obj._shell, self._label(obj)
        parse = functools.partial(shell._core.parse_model, self.model)

        def get(id: str) -> Any:
            return shell._call(shell._core.build(label, "GET", self.path, (id,)), parse)

        return get


class Delete(_Operation):
    """``delete(id)`` (and sub-resource deletes): DELETE, 204 → None. Never retried."""

    def __init__(self, path: str) -> None:
        self.path = path

    @overload
    def __get__(self, obj: None, owner: type) -> Delete: ...
    @overload
    def __get__(self, obj: Service[Sync], owner: type) -> _IdSync: ...
    @overload
    def __get__(self, obj: Service[Async], owner: type) -> _IdAsync: ...
    def __get__(self, obj: Service[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        shell, label = obj._shell, self._label(obj)

        def delete(id: str) -> Any:
            return shell._call(shell._core.build(label, "DELETE", self.path, (id,)), shell._core.parse_none)

        return delete


class Action(_Operation):
    """A tunnel-session action (``restart``/``stop``/``update``): POST ``{}`` as JSON, 204 → None. Never retried."""

    def __init__(self, path: str) -> None:
        self.path = path

    @overload
    def __get__(self, obj: None, owner: type) -> Action: ...
    @overload
    def __get__(self, obj: Service[Sync], owner: type) -> _IdSync: ...
    @overload
    def __get__(self, obj: Service[Async], owner: type) -> _IdAsync: ...
    def __get__(self, obj: Service[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        shell, label = obj._shell, self._label(obj)

        def action(id: str) -> Any:
            return shell._call(shell._core.build(label, "POST", self.path, (id,), body={}), shell._core.parse_none)

        return action


class Create(_Operation, Generic[P, M]):
    """``create(**fields)``: POST the generated request model (its constructor is the signature), 201 → model."""

    def __init__(self, path: str, body: Callable[P, _Body], model: type[M]) -> None:
        self.path, self.body, self.model = path, body, model

    @overload
    def __get__(self, obj: None, owner: type) -> Create[P, M]: ...
    @overload
    def __get__(self, obj: Service[Sync], owner: type) -> Callable[P, M]: ...
    @overload
    def __get__(self, obj: Service[Async], owner: type) -> Callable[P, Coroutine[Any, Any, M]]: ...
    def __get__(self, obj: Service[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        shell, label = obj._shell, self._label(obj)
        parse = functools.partial(shell._core.parse_model, self.model)

        def create(*args: Any, **kwargs: Any) -> Any:
            body = _body(label, self.body, args, kwargs)
            return shell._call(shell._core.build(label, "POST", self.path, body=body), parse)

        return create


class Update(_Operation, Generic[P, M]):
    """``update(id, **fields)``: PATCH the generated request model (absent fields unchanged), 200 → model."""

    def __init__(self, path: str, body: Callable[P, _Body], model: type[M]) -> None:
        self.path, self.body, self.model = path, body, model

    @overload
    def __get__(self, obj: None, owner: type) -> Update[P, M]: ...
    @overload
    def __get__(self, obj: Service[Sync], owner: type) -> _UpdateSync[P, M]: ...
    @overload
    def __get__(self, obj: Service[Async], owner: type) -> _UpdateAsync[P, M]: ...
    def __get__(self, obj: Service[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        shell, label = obj._shell, self._label(obj)
        parse = functools.partial(shell._core.parse_model, self.model)

        def update(id: str, *args: Any, **kwargs: Any) -> Any:
            body = _body(label, self.body, args, kwargs)
            return shell._call(shell._core.build(label, "PATCH", self.path, (id,), body=body), parse)

        return update


class List(_Operation, Generic[E, M]):
    """``list(before_id, limit, filter)``: every item, newest first, following ``next_page_uri`` (an iterator in
    the sync client, an async iterator in the async one)."""

    def __init__(self, listing: Listing[E, M]) -> None:
        self.listing = listing

    @overload
    def __get__(self, obj: None, owner: type) -> List[E, M]: ...
    @overload
    def __get__(self, obj: Service[Sync], owner: type) -> _ListSync[M]: ...
    @overload
    def __get__(self, obj: Service[Async], owner: type) -> _ListAsync[M]: ...
    def __get__(self, obj: Service[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        shell, label, listing = obj._shell, self._label(obj), self.listing

        def list_(before_id: str | None = None, limit: int | None = None, filter: str | None = None) -> Any:
            params = shell._core.list_params(label, listing, before_id, limit, filter)
            return shell._iterate(shell._core.build(label, "GET", listing.path, params=params), listing)

        return list_


class PageOf(_Operation, Generic[E, M]):
    """``page(before_id, limit, filter)`` → one :class:`Page`; ``page(next_page_uri=p.next_page_uri)`` → the next."""

    def __init__(self, listing: Listing[E, M]) -> None:
        self.listing = listing

    @overload
    def __get__(self, obj: None, owner: type) -> PageOf[E, M]: ...
    @overload
    def __get__(self, obj: Service[Sync], owner: type) -> _PageSync[M]: ...
    @overload
    def __get__(self, obj: Service[Async], owner: type) -> _PageAsync[M]: ...
    def __get__(self, obj: Service[Any] | None, owner: type) -> Any:
        if obj is None:
            return self
        shell, label, listing = obj._shell, self._label(obj), self.listing
        parse = functools.partial(shell._core.parse_page, listing)

        def page(
            before_id: str | None = None,
            limit: int | None = None,
            filter: str | None = None,
            *,
            next_page_uri: str | None = None,
        ) -> Any:
            core = shell._core
            if next_page_uri is not None:
                if before_id is not None or limit is not None or filter is not None:
                    raise _errors.argument_error(
                        label, "next_page_uri", "given alone (it carries the page's parameters)", next_page_uri
                    )
                return shell._call(core.next_page(label, next_page_uri), parse)
            params = core.list_params(label, listing, before_id, limit, filter)
            return shell._call(core.build(label, "GET", listing.path, params=params), parse)

        return page
