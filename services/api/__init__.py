"""The GraphQL transport (Strawberry federation subgraph): thin adapters over the handlers."""
