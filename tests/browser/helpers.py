"""What the journeys do again and again: sign in, and keep a picture of the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.urls import reverse

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG under test-artifacts/ (gitignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto(page.base_url + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
