"""The JSON API blueprint. Domain modules add their routes to it; careplan.api.routes
imports them all and careplan.api.auth signs every request in."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
