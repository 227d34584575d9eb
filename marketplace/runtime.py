"""Process-wide resources shared by the web app and the workers: the search backend and
the sentence encoder. Both are built on first use (never at import or before a fork),
once per process, from the configuration."""
from __future__ import annotations

import threading
from pathlib import Path


class Runtime:
    def __init__(self, config):
        self.config = config
        self._lock = threading.Lock()
        self._backend = None
        self._encoder = None

    @property
    def backend(self):
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    from search import get_backend

                    if self.config.SEARCH_BACKEND == "elasticsearch":
                        self._backend = get_backend("elasticsearch", url=self.config.ELASTICSEARCH_URL)
                    else:
                        Path(self.config.INSTANCE_DIR).mkdir(parents=True, exist_ok=True)
                        self._backend = get_backend("embedded", path=str(Path(self.config.INSTANCE_DIR) / "search.db"))
        return self._backend

    @property
    def encoder(self):
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    from matching.encoder import SQLiteStore, get_encoder

                    Path(self.config.INSTANCE_DIR).mkdir(parents=True, exist_ok=True)
                    store = SQLiteStore(Path(self.config.INSTANCE_DIR) / "embeddings.db")
                    self._encoder = get_encoder(self.config.ENCODER, store=store)
        return self._encoder

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None
