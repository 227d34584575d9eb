"""Worker and beat entry point: ``celery -A jobs.worker worker`` / ``celery -A jobs.worker beat``.

Settings come from the same ``MARKETPLACE_*`` variables as the web app. Models are
loaded per worker process on first use (never in the parent before the fork).
"""
from jobs.celery_app import make_celery
from marketplace.config import Config

app = make_celery(Config.from_env())
