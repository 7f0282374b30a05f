"""`zhengdun serve`: run the app under granian, a production WSGI server (see docs/decisions.md
for why granian and why WSGI)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengdun.core.management.commands.setup import public_url

# Threads per worker process. Each thread holds its own database connection, so this times
# WORKERS is the connection count PostgreSQL must allow; granian's own default (hundreds) is
# sized for I/O-bound apps, not for Django on a database. See docs/decisions.md.
DEFAULT_THREADS = 4


def granian_executable() -> str:
    beside = Path(sys.executable).with_name("granian")
    if beside.exists():
        return str(beside)
    found = shutil.which("granian")
    if not found:
        raise CommandError("找不到 granian：请在项目目录运行 make install（或 make run）。")
    return found


class Command(BaseCommand):
    help = "用 granian（WSGI）启动服务。地址、端口、进程数取自 ZHENGDUN_HOST / ZHENGDUN_PORT / ZHENGDUN_WORKERS。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="监听地址（默认 ZHENGDUN_HOST）")
        parser.add_argument("--port", type=int, default=None, help="端口（默认 ZHENGDUN_PORT）")
        parser.add_argument("--workers", type=int, default=None, help="进程数（默认 ZHENGDUN_WORKERS）")
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help=f"每个进程的线程数（默认 ZHENGDUN_THREADS 或 {DEFAULT_THREADS}）",
        )

    def argv(self, host: str, port: int, workers: int, threads: int) -> list[str]:
        return [
            granian_executable(),
            "--interface",
            "wsgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            # no more requests in flight per worker than threads to run them: the rest wait in
            # the listen backlog instead of piling up inside the worker
            "--backpressure",
            str(threads),
            "--no-ws",
            "--respawn-failed-workers",
            "--log-level",
            "warning",
            "zhengdun.config.wsgi:application",
        ]

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"] or settings.HOST
        port = options["port"] or settings.PORT
        workers = options["workers"] or settings.WORKERS
        threads = options["threads"] or getattr(settings, "THREADS", DEFAULT_THREADS)
        if workers < 1 or threads < 1:
            raise CommandError("进程数和线程数都至少为 1")
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if not settings.DEBUG and not manifest.exists():
            raise CommandError("静态文件尚未收集：请先运行 zhengdun setup（make run 会自动运行）。")
        argv = self.argv(host, port, workers, threads)
        self.stdout.write(
            f"zhengdun 在 {public_url(host, port)} 提供服务"
            f"（granian WSGI，{workers} 个进程 × {threads} 个线程；Ctrl+C 停止）"
        )
        self.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengdun.config.settings")
        # exec, not a child process: signals from the terminal or a service manager reach granian directly.
        os.execv(argv[0], argv)  # noqa: S606 - fixed argv from settings, no shell
