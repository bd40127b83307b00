from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (Wagtail's page_published → a `published` statement)
