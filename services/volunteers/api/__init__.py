"""GraphQL adapter of volunteer teams."""
