"""Community tenancy: registry, placement, the tenant transaction helper, migrations."""
