from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "accord.engagements"
    label = "engagements"
    verbose_name = "Engagements"
