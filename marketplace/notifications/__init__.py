"""Notifications: what a person or an organisation's staff is told (the in-app centre).

A shared service below the areas: every area calls :func:`notify` with its own kind and a
dedupe key, and imports nothing of theirs; this package imports no area. The model lives in
``marketplace.notifications.models`` (table ``notifications``, created by the internships
migration branch, where it started).
"""
from __future__ import annotations

from marketplace.notifications.service import mark_read, notifications_for, notify

__all__ = ["mark_read", "notifications_for", "notify"]
