"""Search page (stub)."""

from flask import Blueprint, render_template

bp = Blueprint("search", __name__, url_prefix="/zoeken")


@bp.get("/")
def page():
    return render_template("desk/home.html")
