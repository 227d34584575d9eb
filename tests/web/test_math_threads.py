"""A served request's thread runs numpy's BLAS, faiss and the encoder on one thread each
(``marketplace.cli.one_math_thread``): their spinning thread pools starved each other on a
busy machine (a query's encoding took 1,030 ms after a matrix product instead of 26 ms)."""
from __future__ import annotations

import threading

import faiss  # noqa: F401  (loads its OpenMP runtime, as the app does)
import numpy as np
from threadpoolctl import threadpool_info

from marketplace import cli


def test_each_request_thread_limits_every_math_library_to_one_thread():
    seen = {}

    def request_thread():
        np.ones((64, 64), dtype=np.float32) @ np.ones((64, 64), dtype=np.float32)  # BLAS loaded and used
        cli._one_math_thread_here()
        seen["after"] = {(i["internal_api"], i["filepath"]): i["num_threads"] for i in threadpool_info()}

    t = threading.Thread(target=request_thread)
    t.start()
    t.join()
    assert seen["after"], "no math library found"
    assert set(seen["after"].values()) == {1}, seen["after"]
