"""Resident groups (居民自治组织): associations, volunteer teams and others."""
