"""Where the current request came from, for audit entries written deep inside actions."""

from contextvars import ContextVar

client_ip: ContextVar[str] = ContextVar("client_ip", default="")
