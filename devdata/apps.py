from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo campaign, reference detector and seed data: installed only when QUARRY_DEVDATA is
    set (make run, make test, make bench), never in a deployment."""

    name = "devdata"
    verbose_name = "Quarry development data"
