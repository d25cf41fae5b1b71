"""Desk pages (stub: the desk feature fills this in)."""

from flask import Blueprint, render_template

bp = Blueprint("desk", __name__)


@bp.get("/")
def home():
    return render_template("desk/home.html")


@bp.get("/aanvraag")
def new_request():
    return render_template("desk/home.html")


@bp.get("/aanvraag/<type_key>")
def request_form(type_key):
    return render_template("desk/home.html")


@bp.get("/mijn-aanvragen")
def my_requests():
    return render_template("desk/home.html")


@bp.get("/behandelen")
def queue():
    return render_template("desk/home.html")
