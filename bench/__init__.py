"""`make bench`: measure every budget of DESIGN.md against the real app served by gunicorn."""
