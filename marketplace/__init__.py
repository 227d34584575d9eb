"""Fushun public employment marketplace.

``create_app(config=None)`` builds the Flask app; importing this package has no side
effects (no app, no database, no model loading).
"""
from __future__ import annotations


def create_app(config=None):
    from marketplace.app import build_app  # noqa: PLC0415  (importing the package has no side effects: Flask loads on demand)

    return build_app(config)
