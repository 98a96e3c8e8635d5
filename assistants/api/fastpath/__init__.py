"""The integrations' hot paths with an API key, each in one round trip: get, search, versions, create.

An integration reads its assistant's live configuration before every agent run, and lists or
searches assistants to pick one, so these reads are most of the API's traffic.
:class:`AssistantFastPathMiddleware` answers them ahead of the session, CSRF and DRF layers:

- ``GET /assistants/{uuid}``: one SQL statement reads the API key and the assistant together;
- ``POST /assistants/search``: one statement reads the key and the page (plus the ``COUNT`` the
  view also runs, only when the page cannot tell the total);
- ``POST /assistants/{uuid}/versions``: one statement reads the key and the versions;
- ``POST /assistants`` with a key this process has read (:mod:`.writes`): the view's serializer and
  service, whose write also proves the key (one statement on PostgreSQL). Its own module says
  which creates it leaves to the view.

Rows are rendered by the same code as the API views (:func:`assistants.api.cache.render_assistant`,
:func:`~assistants.api.serializers.assistant_data`, the same JSON renderer), so bodies, headers
and ``ETag`` are byte for byte the views'.

The reads answer only the plain success (200, or 304 for a current ``If-None-Match``) of a
plain request. Everything else goes on to the API view unchanged, which then decides as it always
did: no key, an unknown or revoked key, a key whose ``last_used_at`` is due to be written, a graph
id instead of a UUID, an unknown assistant or one whose graph is not served, an empty version
list (the view tells a 404 from ``[]``), a database error; a body outside the plain subset
(:mod:`.bodies`: only the common fields with values that plainly pass the view's checks, so no
error message is written twice); and a request that a skipped layer might treat differently
(``middleware._plain_headers``: a query string, a cookie, an ``Accept`` JSON does not satisfy).
So errors, permissions and bookkeeping keep one implementation, and
``tests/api/test_fast_reads.py`` (get), ``tests/api/test_fast_lists.py`` (search, versions) and
``tests/api/test_fast_create.py`` compare both answers case by case.

The SQL (:mod:`.statements`) restates two read rules of the selectors in plain SQL, because
compiling the ORM's queries costs more than running them: which graphs are served
(:meth:`~assistants.models.AssistantQuerySet.visible`) and search's order (case-insensitive names
and graph ids, the id as tie-break). Those tests pin both to the view's answer. When the page
tells the total, and the next offset, come from the selectors' own functions.

The statements run under the API's time limit (``STUDIO_QUERY_TIMEOUT_MS``), as the views' do. A
statement stopped by it gets the views' 503 from here: passing it on would make the client wait
out the limit a second time.

With the shared cache (``REDIS_URL``), a get first asks Redis, in one round trip, for the key's row
and the rendered assistant the view stored there (:func:`assistants.api.cache.peek`, under the same
exact-invalidation tokens); when both are current it answers without the database, otherwise the
view answers (and fills the cache for the next read). Searches and version lists are not cached:
they always read the database, which is always current. ``STUDIO_API_FAST_READS=0`` turns the
reads off (the views answer every read), ``STUDIO_API_FAST_CREATE=0`` the create.
"""

from __future__ import annotations

from assistants.api.fastpath.middleware import AssistantFastPathMiddleware

__all__ = ["AssistantFastPathMiddleware"]
