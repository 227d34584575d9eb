"""Background work: the Celery app (worker entry point) and its tasks."""
