"""A client for the rectification API tests: one user through a bearer token."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from zhengdun.accounts.api_auth import issue_token

BASE = "/api/v1/rectification"


class Api:
    def __init__(self, user: Any) -> None:
        _, raw = issue_token(user, "测试")
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})
        self.user = user

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(BASE + path, json.dumps(body or {}), content_type="application/json")

    def form(self, path: str, data: dict[str, Any]) -> Any:
        """multipart/form-data (files as lists of uploads under "files")."""
        return self.client.post(BASE + path, data)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(BASE + path, json.dumps(body), content_type="application/json")

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(BASE + path, json.dumps(body), content_type="application/json")


def errors(response: Any) -> dict[str, str]:
    """A 422 answer as {field: message} (the last element of each loc)."""
    assert response.status_code == 422, response.content
    return {str(e["loc"][-1]): e["msg"] for e in response.json()["detail"]}
