"""The fair bus across processes without any service (the embedded default): ``flask
serve`` runs one process per core, and a check-in handled by one process must reach the
live pages whose streams another process serves. Real processes, a real relay file."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from marketplace.fairs import bus as fair_bus

LISTENER = textwrap.dedent("""
    import json, sys
    from marketplace.fairs import bus as fair_bus
    fair_bus.configure(None, relay_path=sys.argv[1])
    q = fair_bus.subscribe(7)
    other = fair_bus.subscribe(8)
    print("ready", flush=True)
    msg = q.get(timeout=20)
    print(json.dumps({"got": msg, "other_fair_got": other.qsize()}), flush=True)
""")


def test_an_event_published_in_one_process_reaches_streams_in_another(tmp_path: Path):
    relay = tmp_path / "fair-events.db"
    fair_bus.configure(None, relay_path=str(relay))
    try:
        fair_bus.publish(7, {"type": "checkin", "profile": 1})  # before the listener: not replayed to it
        with subprocess.Popen([sys.executable, "-c", LISTENER, str(relay)], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2]) as listener:
            try:
                assert listener.stdout.readline().strip() == "ready"
                time.sleep(0.5)  # the listener has read where the relay stands
                mine = fair_bus.subscribe(7)
                fair_bus.publish(7, {"type": "checkin", "profile": 42, "name": "张三"})
                out = json.loads(listener.stdout.readline())
            finally:
                listener.kill()
        assert out["got"] == {"type": "checkin", "profile": 42, "name": "张三", "fair": 7}
        assert out["other_fair_got"] == 0
        # this process got it once, at once (its own relay rows are not delivered again)
        assert mine.get_nowait()["profile"] == 42
        time.sleep(3 * fair_bus.RELAY_POLL_SECONDS)
        assert mine.empty()
        fair_bus.unsubscribe(7, mine)
    finally:
        fair_bus.configure(None, relay_path=None)


def test_a_broken_relay_file_never_fails_the_publisher(tmp_path: Path):
    fair_bus.configure(None, relay_path=str(tmp_path / "missing-folder" / "fair-events.db"))
    try:
        q = fair_bus.subscribe(9)
        fair_bus.publish(9, {"type": "slot"})
        assert q.get_nowait() == {"type": "slot", "fair": 9}
        fair_bus.unsubscribe(9, q)
    finally:
        fair_bus.configure(None, relay_path=None)
