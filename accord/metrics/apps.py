from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "accord.metrics"
    label = "metrics"
    verbose_name = "Metrics and KPIs"
