from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhengdun.accounts"
    label = "accounts"
