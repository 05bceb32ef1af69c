"""The GraphQL transport core: the schema assembled from the contexts' declarations, the
adapter kit every context's ``api.py`` is written with, the executor and its extensions."""
