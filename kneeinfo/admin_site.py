"""The editors' admin site: Django's own, with the content first on its home page and in its
sidebar (Authentication and the login lockouts after it: editors come for the articles)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class EditorsAdminSite(admin.AdminSite):
    site_header = "kneeinfo editors"
    site_title = "kneeinfo editors"
    index_title = "Content"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        return sorted(apps, key=lambda app: app["app_label"] != "articles")  # stable: A-Z after


class EditorsAdminConfig(AdminConfig):
    default_site = "kneeinfo.admin_site.EditorsAdminSite"
