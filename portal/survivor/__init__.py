"""The survivor's side: public pages, the report form, return with a codename."""

from portal.survivor import sealed
from portal.survivor.views import bp

bp.register_blueprint(sealed.bp)

__all__ = ["bp"]
