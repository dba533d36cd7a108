from django.contrib import admin

from .models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Versions are published from the compliance pages; the admin shows them and never rewrites one that
    bookings were consented under."""

    list_display = ["version", "published_at", "created_by"]
    readonly_fields = ["version", "text", "published_at", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
