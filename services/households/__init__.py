"""Households context (户): households with their circumstances, residents, community staff."""
