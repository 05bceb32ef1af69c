"""Sanshi (三事): the GraphQL service and its domain contexts."""
