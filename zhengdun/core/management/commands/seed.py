"""`zhengdun seed`: write the demo city (临江市) into an empty database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengdun.core import hooks, seeding
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
        # one option per registered bulk generator (core.hooks.BULK_SEEDERS), e.g. --clues N
        for bulk in hooks.BULK_SEEDERS:
            parser.add_argument(f"--{bulk.option}", type=int, default=0, help=bulk.help)

    def handle(self, *args: Any, officers: int, seed: int, **options: Any) -> None:
        bulks = [(b, options.get(b.option) or 0) for b in hooks.BULK_SEEDERS]
        for bulk, n in bulks:
            if n < 0:
                raise CommandError(f"--{bulk.option} 不能为负数")
        bulks = [(b, n) for b, n in bulks if n]
        if bulks and Unit.objects.exists():
            for bulk, n in bulks:
                self._bulk(bulk, n, seed)
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
        for bulk, n in bulks:
            self._bulk(bulk, n, seed)
        self.stdout.write(f"演示账号已保存到 {result.logins_file}（仅本机当前用户可读）：")
        for line in seeding.format_logins(result.logins):
            self.stdout.write(line)

    def _bulk(self, bulk: hooks.BulkSeeder, n: int, seed: int) -> None:
        step = max(n // 10, 1)

        def progress(done: int) -> None:
            if done % step < 5000 or done == n:
                self.stdout.write(f"  已生成 {done}/{n} {bulk.noun}")

        bulk.fn(n, seed=seed, progress=progress)
        self.stdout.write(f"已批量生成 {n} {bulk.noun}。")


def seed_capabilities(seed: int) -> str:
    """Each capability's demo records on top of the demo city: the steps apps registered in
    core.hooks.SEED_STEPS, in their order (clues → self-reports → 从宽从严 → rectification),
    their summaries joined into one line."""
    if not settings.DEMO_RECORDS:
        return "未生成（ZHENGDUN_DEMO_RECORDS=0）"
    lines = [step.fn(seed) for step in hooks.SEED_STEPS]
    return "；".join(line for line in lines if line) or "没有登记演示数据步骤"
