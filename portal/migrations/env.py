"""Alembic environment: runs on the connection the portal hands it."""

from alembic import context

from portal.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters tables by copying them; batch mode does that portably.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
