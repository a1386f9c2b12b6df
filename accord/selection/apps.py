from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "accord.selection"
    label = "selection"
    verbose_name = "Partner selection"
