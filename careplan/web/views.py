"""Web pages. Until the full web service lands, a start page that says where things are."""

from flask import Blueprint, render_template

bp = Blueprint("web", __name__)


@bp.get("/")
def start() -> str:
    return render_template("start.html")
