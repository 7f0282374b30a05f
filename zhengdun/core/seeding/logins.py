"""The demo logins: random passwords, and the owner-only file `zhengdun seed` writes them to."""

from __future__ import annotations

import os
import secrets
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from zhengdun.core.seeding.plan import DEMO_LOGINS_FILE, DemoLogin

# --- passwords and the logins file ----------------------------------------------------------------

_PW_CLASSES = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "-_!@#%+=")


def demo_password(length: int = 14) -> str:
    """A random password with every character class (the login policy asks for three of four)."""
    if length < 10:
        raise ValueError("demo passwords are at least 10 characters")
    everything = "".join(_PW_CLASSES)
    chars = [secrets.choice(c) for c in _PW_CLASSES]
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def logins_path(data_dir: Path) -> Path:
    return Path(data_dir) / DEMO_LOGINS_FILE


def write_logins(data_dir: Path, logins: Sequence[DemoLogin]) -> Path:
    """Write the demo logins readable by the owner only (mode 600), replacing an older file."""
    path = logins_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# 演示账号（zhengdun seed 生成，每次安装随机）：用户名\t密码\t角色\t单位\t姓名\n")
        for login in logins:
            fh.write(
                "\t".join(
                    [login.username, login.password, login.role_label, login.unit_name, login.display_name]
                )
                + "\n"
            )
    os.chmod(path, 0o600)  # an older file may have been created with a wider mode
    return path


def read_logins(data_dir: Path) -> list[DemoLogin]:
    """The demo logins written by the seed, or [] when there is no file."""
    path = logins_path(data_dir)
    if not path.exists():
        return []
    logins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 5:
            logins.append(DemoLogin(*parts[:5]))
    return logins


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_logins(logins: Sequence[DemoLogin]) -> list[str]:
    """The logins as an aligned table for a terminal (CJK characters count double width)."""
    rows = [("用户名", "密码", "角色", "单位", "姓名")]
    rows += [(lg.username, lg.password, lg.role_label, lg.unit_name, lg.display_name) for lg in logins]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=False)]
        lines.append("  " + "  ".join([*cells, row[4]]))
    return lines
