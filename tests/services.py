"""Real services for tests: check that each is up and start it when it is not, with the
machine's own start commands. No service is ever faked."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time


def _up(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _start(port: int, command: str, name: str) -> None:
    if _up(port):
        return
    subprocess.run(command, shell=True, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(60):
        if _up(port):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{name} is not running on 127.0.0.1:{port} and could not be started with: {command}")


def ensure_postgres() -> None:
    _start(5432, "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", "PostgreSQL")


REDIS_START = ('redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
               '--dir /var/lib/redis --logfile /var/log/redis/ci.log')


def ensure_redis() -> None:
    if shutil.which("redis-server") is None and not _up(6379):
        raise RuntimeError("Redis is not installed on this machine (apt-get install redis-server)")
    _start(6379, REDIS_START, "Redis")


def stop_redis() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(40):
        if not _up(6379):
            return
        time.sleep(0.25)
