from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Content"

    def ready(self):
        from . import signals  # noqa: F401 - connects the handlers
