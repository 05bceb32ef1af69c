"""Grids context (网格): the parts a community is split into, each with its grid workers."""
