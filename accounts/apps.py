from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Platform accounts"

    def ready(self):
        from . import case_merge  # noqa: F401 - moves its rows when cases merge
