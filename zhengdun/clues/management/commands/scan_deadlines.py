from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengdun.clues import deadlines
from zhengdun.core.dates import parse_date


class Command(BaseCommand):
    help = "扫描线索办理时限，向承办人和领导发出临期、逾期提醒（每条线索每个阈值只提醒一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按指定日期扫描（默认今天），如 2021-06-02")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = parse_date(options["date"]) if options.get("date") else None
        except ValueError as exc:
            raise CommandError(f"--date：{exc}") from exc
        raised = deadlines.scan(today)
        self.stdout.write(f"已发出提醒 {raised} 条")
