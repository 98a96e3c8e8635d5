from django.urls import path

from graphs import views

app_name = "graphs"

urlpatterns = [
    path("", views.graph_list, name="graph-list"),
    path("<str:graph_id>/", views.graph_detail, name="graph-detail"),
]
