"""The survivor's side: public pages, the report form, return with a codename."""

from portal.survivor.views import bp

__all__ = ["bp"]
