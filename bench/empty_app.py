"""The ceiling of the web stack: an empty Flask view, served like the portal."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def empty() -> str:
    """Nothing at all."""
    return ""
