"""The GraphQL adapter kit: what every context's adapter is written with, in one place.

- ``errors``: the ``Error`` interface, one GraphQL type per domain error (``error_type``),
  ``as_error`` and ``query_error`` (typed failures of mutations and of query fields);
- ``results``: result unions (``result``), ``attempt`` (a handler's value or its typed
  error), the common error groups (``COMMUNITY_ACT``, ``INPUT``);
- ``ids``: global ids (``gid``, ``parse_id``, ``input_id``);
- ``loaders``: one DataLoader style (``loader``, ``per_community``, ``per_slug``);
- ``prefetch``: fields answered from rows read with their parent, or loaded later;
- ``request``: the per-request context (``principal_of``, ``require_principal``);
- ``vocabulary``: enum values with their zh/en labels (``labelled``).

Cursors are not GraphQL: the one codec is ``services.kernel.pagination``.
"""
