from django.apps import AppConfig


class AssistantsConfig(AppConfig):
    name = "assistants"
    verbose_name = "Assistants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assistants.api.cache import connect_signals

        connect_signals()  # saves and deletes invalidate the shared cache (when there is one)
