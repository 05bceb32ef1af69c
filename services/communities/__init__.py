"""Communities context: the registry use cases (create, list, archive) with access and audit."""
