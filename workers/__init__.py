"""Work off the request path: Dramatiq broker set-up, the transactional outbox and its relay.

Importing this package (or any module in it) opens no connection and creates no broker;
see ``workers.broker.setup_broker`` and docs/queues.md.
"""
