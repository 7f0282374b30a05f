"""`zhengdun verify-audit`: check the whole audit chain; exit 1 at the first broken entry.

Read-only on purpose (it records nothing), so it can be pointed at a restored backup or a
replica. The page's "校验日志链" button runs the same check and is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengdun.audit.chain import check_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链：逐条核对哈希、链接、序号连续性与链头。链完整时退出码为 0，否则为 1。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="每次从数据库读取的条数（默认 5000）"
        )

    def handle(self, *args: Any, batch_size: int, verbosity: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size 必须是正整数")

        def progress(count: int) -> None:
            if count % (batch_size * 20) == 0:
                self.stderr.write(f"已校验 {count} 条…")

        report = check_chain(batch_size, progress if verbosity >= 2 else None)
        if report.problem is not None:
            problem = report.problem
            raise CommandError(
                f"审计日志不完整：第 {problem.seq} 条{problem.reason}。此前 {report.count} 条校验通过。",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"审计日志完整：共 {report.count} 条"))
        if report.count and verbosity >= 1:
            # Kept outside the database, the head hash also exposes a forged rewrite of the tail.
            self.stdout.write(f"链尾：第 {report.last_seq} 条，哈希 {report.last_hash}")
