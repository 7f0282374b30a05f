from django.apps import AppConfig


class AuditConfig(AppConfig):
    verbose_name = "审计"
    name = "zhengdun.audit"
    label = "audit"

    def ready(self) -> None:
        from zhengdun.audit.chain import configured_algorithm

        # Fail at start-up, not at the first audited write hours later, when the configured hash
        # algorithm is unknown or missing from this machine's OpenSSL.
        configured_algorithm()
