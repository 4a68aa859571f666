"""A platform that exists only in a test: what adding a channel takes (issue 13).

`adapter.py` becomes `adapters/dummy/__init__.py` in a copy of the repository, next to one
enum member and one registry line; `in_copy.py` then runs there against the whole app.
"""
