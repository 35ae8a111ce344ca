"""The JSON API blueprint. Domain modules add their routes to it (careplan.api.routes)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
