"""Admin pages: accounts and instance settings, under /admin/."""

from portal.admin.views import bp

__all__ = ["bp"]
