"""Advocates' pages: review, triage, replies and linked cases, under /advocate/."""

from portal.advocate.views import bp

__all__ = ["bp"]
