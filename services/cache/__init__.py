"""The GraphQL response cache (响应缓存): answers served again while nothing they read changed.

Its pieces, all here:

- ``readset``: what one operation read (each schema with its data token) and whether its
  answer may be kept; a context variable and nothing else, no I/O, so that pure modules
  (``services.localtime``) can mark an answer as depending on the clock;
- ``tokens``: the data tokens of some schemas now, one statement per placement database;
- ``store``: the per-process LRU of encoded answers, their key (caller, document,
  operation, variables) and one build for readers arriving together;
- ``extension``: the Strawberry extension that arms the read set for query operations;
- ``triggers``: the statement that ends every migration run, putting the data-version
  triggers on tables that lack them.

Outside the package, by design: ``tenants.tx`` (the only place that touches
``search_path``) reads each transaction's token in the statement that sets it and notes it
in the running read set; ``services.app`` wires lookup, recording and store into
``/graphql``; the ``data_version`` tables, ``bump_data_version()`` and its triggers are
platform migration 0004 and tenant migration 0006. docs/response-cache.md has the
argument for correctness and the figures.
"""
