"""Knowledge base pages (stub)."""

from flask import Blueprint, render_template

bp = Blueprint("kb", __name__, url_prefix="/kennisbank")


@bp.get("/")
def index():
    return render_template("desk/home.html")
