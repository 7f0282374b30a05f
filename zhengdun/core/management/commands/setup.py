"""`zhengdun setup`: make a fresh or existing install ready to serve. Safe to run any number of
times: it migrates, collects static files, seeds the demo city only into an empty database, and
prints the address and the demo logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from zhengdun.accounts.models import User
from zhengdun.core import dbstats, seeding
from zhengdun.core.management.commands.seed import seed_capabilities
from zhengdun.org.models import Unit


def public_url(host: str | None = None, port: int | None = None) -> str:
    """The address to open in a browser for a server bound to host:port (default: settings)."""
    host = settings.HOST if host is None else host
    # A server bound to every interface is still reached locally through the loopback address.
    if host in ("0.0.0.0", "::", ""):  # noqa: S104
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.PORT if port is None else port}/"


class Command(BaseCommand):
    help = (
        "初始化或升级：迁移数据库、收集静态文件、空库时写入演示城市，并显示访问地址和演示账号。可重复运行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="空数据库时也不写入演示城市（正式部署用）",
        )

    def handle(self, *args: Any, no_demo: bool, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库结构已是最新。")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"静态文件已收集到 {settings.STATIC_ROOT}。")

        if Unit.objects.exists():
            self.stdout.write("数据库中已有单位数据，未写入演示数据。")
        elif no_demo:
            self.stdout.write("空数据库，按 --no-demo 未写入演示数据。")
        else:
            result = seeding.seed_city(seeding.plan_city(), data_dir=settings.DATA_DIR)
            self.stdout.write(seeding.summary(result))
            self.stdout.write(f"演示业务数据：{seed_capabilities(seeding.DEFAULT_SEED)}")
        dbstats.refresh()

        self.stdout.write("")
        self.stdout.write(f"访问地址：{public_url()}   （启动：zhengdun serve 或 make run）")
        logins = seeding.read_logins(settings.DATA_DIR)
        # The file may belong to another database (DATABASE_URL changed): show only accounts that exist here.
        names = [lg.username for lg in logins]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        logins = [lg for lg in logins if lg.username in existing]
        if logins:
            self.stdout.write(f"演示账号（{seeding.logins_path(settings.DATA_DIR)}）：")
            for line in seeding.format_logins(logins):
                self.stdout.write(line)
        else:
            self.stdout.write("没有演示账号。")
