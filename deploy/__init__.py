"""Serving more users: app replicas behind nginx (deploy/replicas.py), database copies (publish.py)."""
