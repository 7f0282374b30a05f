"""`zhengdun seed`: write the demo city (临江市) into an empty database."""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengdun.core import seeding
from zhengdun.org.models import Unit


class Command(BaseCommand):
    help = "写入演示城市（临江市）：单位树、干警名册、每个角色一个演示账号。只写入空数据库；同一 --seed 总得到同样的数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--officers",
            type=int,
            default=seeding.DEFAULT_OFFICERS,
            help=f"干警人数（默认 {seeding.DEFAULT_OFFICERS}）",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=seeding.DEFAULT_SEED,
            help=f"随机种子：同一种子生成同样的城市（默认 {seeding.DEFAULT_SEED}）",
        )
        parser.add_argument(
            "--clues",
            type=int,
            default=0,
            help="另外批量生成 N 条线索（基准测试用；已有演示城市时只追加线索）",
        )

    def handle(self, *args: Any, officers: int, seed: int, clues: int, **options: Any) -> None:
        if clues < 0:
            raise CommandError("--clues 不能为负数")
        if clues and Unit.objects.exists():
            self._bulk_clues(clues, seed)
            return
        try:
            plan = seeding.plan_city(seed=seed, officers=officers)
        except ValueError as exc:
            raise CommandError(f"--officers {officers}：{exc}") from exc
        try:
            result = seeding.seed_city(plan, data_dir=settings.DATA_DIR)
        except seeding.SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(seeding.summary(result))
        self.stdout.write(f"演示业务数据：{seed_capabilities(seed)}")
        if clues:
            self._bulk_clues(clues, seed)
        self.stdout.write(f"演示账号已保存到 {result.logins_file}（仅本机当前用户可读）：")
        for line in seeding.format_logins(result.logins):
            self.stdout.write(line)

    def _bulk_clues(self, n: int, seed: int) -> None:
        from zhengdun.clues.seeding import bulk_clues

        step = max(n // 10, 1)

        def progress(done: int) -> None:
            if done % step < 5000 or done == n:
                self.stdout.write(f"  已生成 {done}/{n} 条线索")

        bulk_clues(n, seed=seed, progress=progress)
        self.stdout.write(f"已批量生成 {n} 条线索。")


def seed_capabilities(seed: int) -> str:
    """Each capability's demo records on top of the demo city (one line of summary)."""
    from zhengdun.clues.seeding import seed_demo_clues
    from zhengdun.rectification.seeding import seed_demo_rectification
    from zhengdun.selfreports.seeding import seed_demo_leniency, seed_demo_selfreports

    if not settings.DEMO_RECORDS:
        return "未生成（ZHENGDUN_DEMO_RECORDS=0）"
    made = seed_demo_clues(random.Random(seed))
    reports = seed_demo_selfreports(random.Random(seed + 1))
    seed_demo_leniency(random.Random(seed + 2))
    rectification = seed_demo_rectification(random.Random(seed + 3))
    return (
        f"{made} 条线索，覆盖线索办理的每个状态；{reports} 名干警的自查报告；"
        f"{rectification.problems} 个整改问题，覆盖每种整改状态；{rectification.institutions} 项制度成果"
    )
