"""The LangGraph-compatible assistants API: parse, call one service or selector, serialize.

Paths, bodies, status codes and key order follow LangGraph Server (see the wire contract); where
we differ on purpose, the OpenAPI description of the operation says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NoReturn

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assistants import services
from assistants.api import cache as shared_cache
from assistants.api import graphs as graph_reads
from assistants.api import schema as _schema  # noqa: F401  (registers the X-Api-Key scheme)
from assistants.api import selectors
from assistants.api.auth import NOT_AUTHENTICATED, KeyProvenByWrite, actor_for
from assistants.api.errors import context_errors_at
from assistants.api.exceptions import InvalidAssistantId, PayloadTooLarge
from assistants.api.parsers import LimitedJSONParser, body_limit
from assistants.api.serializers import (
    ASSISTANT_FIELDS,
    SUBGRAPHS_SCHEMA,
    AssistantCountSerializer,
    AssistantCreateSerializer,
    AssistantLatestSerializer,
    AssistantPatchSerializer,
    AssistantSearchSerializer,
    AssistantSelectedSerializer,
    AssistantSerializer,
    AssistantVersionSerializer,
    AssistantVersionsSearchSerializer,
    ErrorSerializer,
    GraphDrawingSerializer,
    GraphSchemaSerializer,
    assistant_data,
    version_data,
)
from graphs.registry import default_assistant_id, get_registry

_ERROR_TEXT = {
    400: "Both `config.configurable` and `context` were given.",
    401: "No API key, an unknown key or a revoked key (and no signed-in session).",
    403: "A read-only key writing, or a signed-in user without the permission to view "
    "(reads) or change (writes) assistants.",
    404: "Unknown assistant, version or graph.",
    409: "An assistant with this id exists (and `if_exists` is `raise`), or the assistant "
    "requires passing checks to publish and this version has none (`detail` names them).",
    413: "The request body is larger than the server accepts.",
    415: "The body is not `application/json`.",
    422: "The body or a parameter is invalid; `errors` locates each problem.",
    424: "The assistant's graph fails to load.",
    503: "A database statement ran past `STUDIO_QUERY_TIMEOUT_MS` and was stopped.",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ErrorSerializer, description=_ERROR_TEXT[code])
        for code in sorted({401, 403, 503, *codes})  # any request may meet the time limit
    }


_READ_ERRORS = (404, 422)
_BODY_ERRORS = (413, 415, 422)

ASSISTANT_ID = OpenApiParameter(
    "assistant_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=(
        "An assistant UUID, or a registered graph id meaning that graph's default assistant. "
        "Anything else is a 422 `Invalid assistant ID: must be a UUID`."
    ),
)
PAGINATION_HEADERS = [
    OpenApiParameter(
        "X-Pagination-Total",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[200],
        description="The true number of matching assistants (LangGraph sends offset+limit+1).",
    ),
    OpenApiParameter(
        "X-Pagination-Next",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[200],
        description="The offset of the next page; absent on the last page.",
    ),
]


def assistant_pk(raw: str) -> uuid.UUID:
    """A path's assistant id: a UUID, or a graph id standing for its default assistant."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        pass
    if raw in get_registry():
        return default_assistant_id(raw)
    raise InvalidAssistantId()


def _context_location(data: dict[str, Any]) -> Sequence[str]:
    """Where the client put the context: errors must point there."""
    if not data.get("context") and (data.get("config") or {}).get("configurable"):
        return ("config", "configurable")
    return ("context",)


_TRUE = ("true", "True")
_FALSE = ("false", "False")


def _flag(request: Request, name: str) -> bool:
    """A boolean query parameter: absent, ``true`` or ``false``; anything else is a 422."""
    raw = request.query_params.get(name)
    if raw is None or raw in _FALSE:
        return False
    if raw in _TRUE:
        return True
    raise exceptions.ValidationError({name: [f"Invalid {name} value: must be true or false"]})


def _xray(raw: str | None) -> bool | int:
    """LangGraph's rule: false/true, or a positive number of levels; anything else is a 422."""
    if raw is None or raw in _FALSE:
        return False
    if raw in _TRUE:
        return True
    levels = int(raw) if raw.isascii() and raw.isdigit() else 0
    if levels <= 0:
        raise exceptions.ValidationError({"xray": ["Invalid xray value"]})
    return levels


class AssistantViewSet(KeyProvenByWrite, viewsets.ViewSet):
    lookup_field = "assistant_id"
    lookup_value_regex = "[^/]+"
    parser_classes = [LimitedJSONParser]
    # No OPTIONS self-description (a JSON 405 like any undocumented method).
    metadata_class = None
    #: Set per action: POSTs that only read (search, count, versions) are allowed to read-only keys.
    read_only_action = False
    #: The create's insert proves the API key (auth.KeyProvenByWrite).
    actions_proving_key = frozenset({"create"})

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        limit = body_limit()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            raise PayloadTooLarge()
        super().initial(request, *args, **kwargs)

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> NoReturn:
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(NOT_AUTHENTICATED)
        raise exceptions.PermissionDenied(detail=message, code=code)

    # -- assistants ------------------------------------------------------------------------------

    @extend_schema(
        operation_id="assistants_create",
        summary="Create an assistant",
        description=(
            "Creates the assistant and its version 1. `context` and `config.configurable` are "
            "mirrored into each other; sending both is a 400. **We differ**: the context is "
            "validated against the graph's context schema (422 naming the field)."
        ),
        request=AssistantCreateSerializer,
        responses={
            200: OpenApiResponse(
                AssistantSerializer,
                description="The new (or, with `if_exists: do_nothing`, the existing) assistant.",
            ),
            **_errors(400, 403, 404, 409, 424, *_BODY_ERRORS),
        },
    )
    def create(self, request: Request) -> Response:
        data = AssistantCreateSerializer(data=request.data).validated()
        with context_errors_at(_context_location(data)):
            try:
                assistant, _created = services.assistant_create(actor=actor_for(request), **data)
            except services.ActorChanged:  # the key taken unread has changed: nothing written
                self.prove_key()
                assistant, _created = services.assistant_create(actor=actor_for(request), **data)
        if self.key_unproven():  # nothing was written (an existing assistant, as it is)
            self.prove_key()
        return Response(assistant_data(assistant))

    @extend_schema(
        operation_id="assistants_get",
        summary="Get an assistant",
        parameters=[ASSISTANT_ID, *shared_cache.OPENAPI_PARAMETERS],
        responses={
            200: AssistantSerializer,
            **shared_cache.OPENAPI_NOT_MODIFIED,
            **_errors(*_READ_ERRORS),
        },
    )
    def retrieve(self, request: Request, assistant_id: str) -> HttpResponse:
        # Rendered once per change (shared cache), with an ETag: see assistants/api/cache.py.
        try:
            return shared_cache.assistant_response(request, assistant_pk(assistant_id))
        except services.AssistantNotFound:
            raise exceptions.NotFound("Not Found") from None

    @extend_schema(
        operation_id="assistants_update",
        summary="Update an assistant (a new version, made latest)",
        description=(
            "Every PATCH, even `{}`, writes a new version and makes it the latest. `metadata` "
            "is merged into the current metadata; `config` (when not empty) and `context` replace "
            "the current ones. **We differ**: a PATCH with only `context` keeps the rest of the "
            "config (`tags`, `recursion_limit`, ...), and the context is validated (422)."
        ),
        parameters=[ASSISTANT_ID],
        request=AssistantPatchSerializer,
        responses={200: AssistantSerializer, **_errors(400, 403, 404, 409, 424, *_BODY_ERRORS)},
    )
    def partial_update(self, request: Request, assistant_id: str) -> Response:
        pk = assistant_pk(assistant_id)
        data = AssistantPatchSerializer(data=request.data).validated()
        with context_errors_at(_context_location(data)):
            version = services.version_save(
                actor=actor_for(request), assistant_id=pk, merge_metadata=True, publish=True, **data
            )
        # version_save publishes on the locked row it returns with the version: no second read.
        return Response(assistant_data(version.assistant))

    @extend_schema(
        operation_id="assistants_delete",
        summary="Delete an assistant and all its versions",
        description="`delete_threads` is accepted for compatibility; the studio stores no threads.",
        parameters=[
            ASSISTANT_ID,
            OpenApiParameter("delete_threads", OpenApiTypes.BOOL, OpenApiParameter.QUERY),
        ],
        responses={
            204: OpenApiResponse(description="Deleted; no body."),
            **_errors(403, *_READ_ERRORS),
        },
    )
    def destroy(self, request: Request, assistant_id: str) -> Response:
        pk = assistant_pk(assistant_id)
        _flag(request, "delete_threads")  # checked, then ignored: the studio stores no threads
        try:
            services.assistant_delete(actor=actor_for(request), assistant_id=pk)
        except services.AssistantNotFound:
            raise exceptions.NotFound(f"Assistant with ID {pk} not found") from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="assistants_search",
        summary="Search assistants",
        description=(
            "Filters are ANDed: `graph_id` exact (404 if not registered), `metadata` by containment "
            "(JSONB `@>`), `name` a case-insensitive substring. Default order `created_at` desc. "
            "With `select`, each object has only those keys. Only assistants of registered graphs "
            "are listed. **We differ**: `X-Pagination-Total` is the true total."
        ),
        request=AssistantSearchSerializer,
        parameters=PAGINATION_HEADERS,
        responses={
            200: OpenApiResponse(AssistantSelectedSerializer(many=True)),
            **_errors(404, *_BODY_ERRORS),
        },
    )
    @action(detail=False, methods=["post"], read_only_action=True)
    def search(self, request: Request) -> Response:
        data = AssistantSearchSerializer(data=request.data).validated()
        select = tuple(dict.fromkeys(data.pop("select", None) or ())) or None
        page = selectors.assistant_search(**data, fields=select or ASSISTANT_FIELDS)
        headers = {"X-Pagination-Total": str(page.total)}
        if page.next_offset is not None:
            headers["X-Pagination-Next"] = str(page.next_offset)
        return Response([assistant_data(a, select) for a in page.assistants], headers=headers)

    @extend_schema(
        operation_id="assistants_count",
        summary="Count assistants",
        description="The same filters as search; the answer is a bare JSON integer.",
        request=AssistantCountSerializer,
        responses={200: OpenApiTypes.INT, **_errors(404, *_BODY_ERRORS)},
    )
    @action(detail=False, methods=["post"], read_only_action=True)
    def count(self, request: Request) -> Response:
        data = AssistantCountSerializer(data=request.data).validated()
        return Response(selectors.assistant_count(**data))

    # -- versions --------------------------------------------------------------------------------

    @extend_schema(
        operation_id="assistants_versions",
        summary="List an assistant's versions, newest first",
        description=(
            "`metadata` filters on each version's own metadata, by containment. A missing "
            "assistant is a 404. **We differ**: a filter that matches nothing (or an offset past "
            "the end) gives `[]`, where LangGraph Server answers 404."
        ),
        parameters=[ASSISTANT_ID, *shared_cache.OPENAPI_PARAMETERS],
        request=AssistantVersionsSearchSerializer,
        responses={
            200: AssistantVersionSerializer(many=True),
            **shared_cache.OPENAPI_NOT_MODIFIED,
            **_errors(404, *_BODY_ERRORS),
        },
    )
    @action(detail=True, methods=["post"], read_only_action=True)
    def versions(self, request: Request, assistant_id: str) -> HttpResponse:
        pk = assistant_pk(assistant_id)
        data = AssistantVersionsSearchSerializer(data=request.data).validated()
        rows = selectors.version_list(assistant_id=pk, **data)
        return shared_cache.list_response(request, [version_data(v) for v in rows])  # ETag

    @extend_schema(
        operation_id="assistants_set_latest",
        summary="Make a version the latest",
        description=(
            "No new version is written. **We differ**: every field (graph, config, context, "
            "metadata, name, description) becomes that of the chosen version; LangGraph's dev "
            "server left the context as it was."
        ),
        parameters=[ASSISTANT_ID],
        request=AssistantLatestSerializer,
        responses={200: AssistantSerializer, **_errors(403, 404, 409, *_BODY_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def latest(self, request: Request, assistant_id: str) -> Response:
        pk = assistant_pk(assistant_id)
        data = AssistantLatestSerializer(data=request.data).validated()
        assistant = services.version_publish(
            actor=actor_for(request), assistant_id=pk, version=data["version"]
        )
        return Response(assistant_data(assistant))

    # -- graph introspection ------------------------------------------------------------------------

    @extend_schema(
        operation_id="assistants_schemas",
        summary="The JSON Schemas of the assistant's graph",
        parameters=[ASSISTANT_ID],
        responses={200: GraphSchemaSerializer, **_errors(424, *_READ_ERRORS)},
    )
    @action(detail=True, methods=["get"])
    def schemas(self, request: Request, assistant_id: str) -> Response:
        assistant = selectors.assistant_get(assistant_pk(assistant_id))
        schemas = graph_reads.schemas(assistant.graph_id, assistant.config)
        return Response({"graph_id": assistant.graph_id, **schemas})

    @extend_schema(
        operation_id="assistants_graph",
        summary="The drawing of the assistant's graph",
        parameters=[
            ASSISTANT_ID,
            OpenApiParameter(
                "xray",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="`true`/`false`, or a positive number of subgraph levels to expand.",
            ),
        ],
        responses={200: GraphDrawingSerializer, **_errors(424, *_READ_ERRORS)},
    )
    @action(detail=True, methods=["get"])
    def graph(self, request: Request, assistant_id: str) -> Response:
        pk = assistant_pk(assistant_id)
        xray = _xray(request.query_params.get("xray"))
        assistant = selectors.assistant_get(pk)
        return Response(graph_reads.drawing(assistant.graph_id, assistant.config, xray))

    def _subgraphs(self, request: Request, assistant_id: str, namespace: str | None) -> Response:
        assistant = selectors.assistant_get(assistant_pk(assistant_id))
        recurse = _flag(request, "recurse")
        return Response(
            graph_reads.subgraphs(assistant.graph_id, assistant.config, namespace, recurse)
        )

    _subgraph_params = [
        ASSISTANT_ID,
        OpenApiParameter("recurse", OpenApiTypes.BOOL, OpenApiParameter.QUERY),
    ]
    _subgraph_responses = {
        200: OpenApiResponse(
            SUBGRAPHS_SCHEMA,
            description="`{namespace: schemas}`; nested namespaces are joined with `|`.",
        ),
        **_errors(424, *_READ_ERRORS),
    }

    @extend_schema(
        operation_id="assistants_subgraphs",
        summary="The schemas of the graph's subgraphs",
        parameters=_subgraph_params,
        responses=_subgraph_responses,
    )
    @action(detail=True, methods=["get"])
    def subgraphs(self, request: Request, assistant_id: str) -> Response:
        return self._subgraphs(request, assistant_id, None)

    @extend_schema(
        operation_id="assistants_subgraphs_namespace",
        summary="The schemas of one subgraph (unknown namespace: `{}`)",
        parameters=[
            *_subgraph_params,
            OpenApiParameter("namespace", OpenApiTypes.STR, OpenApiParameter.PATH),
        ],
        responses=_subgraph_responses,
    )
    @action(detail=True, methods=["get"], url_path="subgraphs/(?P<namespace>[^/]+)")
    def subgraphs_namespace(self, request: Request, assistant_id: str, namespace: str) -> Response:
        return self._subgraphs(request, assistant_id, namespace)


__all__ = ["AssistantViewSet", "assistant_pk"]
