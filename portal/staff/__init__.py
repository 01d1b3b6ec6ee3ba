"""Staff pages: exports of consented cases, under /staff/."""

from portal.staff.views import bp

__all__ = ["bp"]
