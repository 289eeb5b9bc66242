from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"

    def ready(self):
        from . import case_merge  # noqa: F401 - moves its rows when cases merge
