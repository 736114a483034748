from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from catalog.search import sqlite_functions_register

        # SQLite lacks PostgreSQL's search functions; each new connection gets ours.
        connection_created.connect(sqlite_functions_register, dispatch_uid="catalog_search")
