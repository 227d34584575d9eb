"""A server process gives back what its request threads freed (``marketplace.cli.steady_malloc``):
with glibc's default thresholds each thread's arena kept the large arrays of the rankings it ran,
and every server process grew by a few tens of MB per thread."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import sys, threading
    import numpy as np
    from marketplace import cli
    if sys.argv[1] == "steady":
        assert cli.steady_malloc()
    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    big = np.ones(8 << 20, dtype=np.uint8); del big   # a large block freed: glibc raises its threshold
    before = rss_mb()
    def request():                                   # arrays a ranking makes and drops
        for _ in range(20):
            a = [np.ones((3 << 20) + k * 4096, dtype=np.uint8) for k in range(3)]
            del a
    ts = [threading.Thread(target=request) for _ in range(8)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print(rss_mb() - before)
""")


def kept_mb(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return float(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc and /proc are Linux's")
def test_request_threads_give_back_the_large_arrays_they_freed():
    default, steady = kept_mb("default"), kept_mb("steady")
    assert steady < 8, f"a steady server process kept {steady:.0f} MB after its threads freed everything"
    assert default > steady + 20, f"glibc's defaults kept {default:.0f} MB, steady {steady:.0f} MB"


ARENAS = textwrap.dedent("""
    import ctypes, sys, threading
    import numpy as np
    from marketplace import cli
    if sys.argv[1] == "steady":
        assert cli.steady_malloc()
    barrier = threading.Barrier(8)
    def request():                                   # 8 request threads working at the same moment
        barrier.wait()
        kept = [np.ones(50_000 + k, dtype=np.uint8) for k in range(40)]   # below the mapping threshold
        barrier.wait()
        del kept
    ts = [threading.Thread(target=request) for _ in range(8)]
    [t.start() for t in ts]; [t.join() for t in ts]
    ctypes.CDLL("libc.so.6").malloc_stats()          # one "Arena N:" block per arena, on stderr
""")


def arenas(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", ARENAS, mode], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return sum(1 for line in out.stderr.splitlines() if line.startswith("Arena "))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is Linux's")
def test_request_threads_share_a_few_malloc_arenas_instead_of_one_each():
    default, steady = arenas("default"), arenas("steady")
    assert steady <= 2, f"a steady server process made {steady} arenas for 8 threads"
    assert default > 4, f"glibc's defaults made only {default} arenas for 8 threads: the test shows nothing"
