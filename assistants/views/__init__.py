"""The business users' pages, one module per thing the user does.

- :mod:`~assistants.views.browse`: the list, an assistant's page, one version.
- :mod:`~assistants.views.edit`: create, edit (save a draft), duplicate, live validation.
- :mod:`~assistants.views.history`: compare, publish, restore, delete.

Small typed function views, one per action: access check (decorators), form, service, response.
An HTMX request gets the page's partial (``page.html#partial``) and, after an action, an
``HX-Trigger`` event that other regions of the page listen to; a plain request gets the whole
page or a redirect (Post/Redirect/Get), so every page also works without JavaScript. The HTMX
helpers are shared with the graph pages: :mod:`studio.htmx`.
"""
