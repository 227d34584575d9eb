"""Fushun public employment marketplace.

``create_app(config=None)`` builds the Flask app; importing this package has no side
effects (no app, no database, no model loading).
"""
from __future__ import annotations


def create_app(config=None):
    from .app import build_app

    return build_app(config)
