from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("exports/public-key.pem", views.public_key, name="public_key"),
    path("cases/<str:number>/exports", views.export_start, name="start"),
    path("cases/<str:number>/exports/<int:pk>", views.export_status, name="status"),
    path("cases/<str:number>/exports/<int:pk>/download", views.export_download, name="download"),
    path("cases/<str:number>/legal-hold", views.legal_hold_view, name="legal_hold"),
]
