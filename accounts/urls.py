from django.urls import path

from . import views

# In the "accounts" namespace with the account and cluster pages of web.urls (config/urls.py).
urlpatterns = [
    path("accounts/clusters/", views.cluster_list, name="clusters"),
    path("accounts/clusters/recompute", views.cluster_recompute_view, name="recompute"),
    path("accounts/clusters/recompute/<int:pk>", views.recompute_status, name="recompute_status"),
    path("accounts/clusters/<int:pk>/graph.json", views.cluster_graph_json, name="cluster_graph"),
    # Case-scoped pages sit under the case's own address.
    path("cases/<str:number>/accounts/", views.case_accounts, name="case_accounts"),
    path("cases/<str:number>/accounts/add", views.case_accounts_add_view, name="case_accounts_add"),
    path(
        "cases/<str:number>/accounts/bulk", views.case_accounts_bulk_view, name="case_accounts_bulk"
    ),
    path(
        "cases/<str:number>/accounts/panel",
        views.case_accounts_panel,
        name="case_accounts_panel",
    ),
    path("cases/<str:number>/graph/", views.case_graph_page, name="case_graph"),
    path("cases/<str:number>/graph.json", views.case_graph_json, name="case_graph_json"),
]
