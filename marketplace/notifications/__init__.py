"""Notifications: what a person or an organisation's staff is told (the in-app centre), and
the same news by SMS or e-mail for those who chose it (the outbox).

A shared service below the areas: every area registers its kinds with
:mod:`marketplace.notifications.registry` (a label per language, default channels) and calls
:func:`notify` with its kind and a dedupe key; this package imports no area. The
``notifications`` table was created by the internships migration branch, where it started;
the outbox, channel choices and contacts by ``notifications_0001``.
"""
from __future__ import annotations

from marketplace.notifications.registry import register
from marketplace.notifications.service import mark_all_read, mark_read, notifications_for, notify, unread_count

__all__ = ["mark_all_read", "mark_read", "notifications_for", "notify", "register", "unread_count"]
