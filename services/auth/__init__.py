"""Who is asking: principals, roles, scopes, and the access rules over them."""
