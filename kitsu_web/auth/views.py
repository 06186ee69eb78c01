"""Login and logout views."""

import logging

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_user, logout_user

from .. import zou
from ..htmx import render
from ..sessions import end_session, start_session, token_store
from ..users import User
from .redirects import safe_next

bp = Blueprint("auth", __name__)
audit = logging.getLogger("kitsu_web.audit")


def next_target():
    """The page to return to: Kitsu's ``redirect`` or our ``next``."""
    return safe_next(
        request.values.get("next") or request.values.get("redirect")
    )


def client_headers():
    """The browser's address for Zou's login log."""
    address = request.remote_addr or ""
    return {"X-Forwarded-For": address, "X-Real-IP": address}


def login_context(**extra):
    """Context shared by the login page and its failed POST."""
    context = {
        "next": next_target(),
        "email": request.form.get("email", ""),
        "error": None,
    }
    context.update(extra)
    return context


@bp.get("/login")
def login():
    """The login form; no authenticated Zou call is made here."""
    if current_user.is_authenticated:
        return redirect(next_target())
    return render("auth/login.html", **login_context())


@bp.post("/login")
def login_post():
    """Log in at Zou and keep its tokens on the server."""
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    if not email or not password:
        return render("auth/login.html", status=422, **login_context(
            error="Enter your e-mail and password."))
    status, body = zou.auth.log_in(
        zou.anonymous(), email, password, client_headers=client_headers()
    )
    if status == 200 and body.get("access_token"):
        user = body["user"]
        start_session(body["access_token"], body["refresh_token"], user["id"])
        token_store().cache_user(
            {"user": user, "organisation": body.get("organisation")}
        )
        login_user(User(user, body.get("organisation")))
        audit.info("login ok user=%s addr=%s", user["id"],
                   request.remote_addr)
        return redirect(next_target(), code=303)
    audit.info("login failed addr=%s status=%s", request.remote_addr, status)
    return render("auth/login.html", status=422, **login_context(
        error=login_error_message(status, body)))


def login_error_message(status, body):
    """Zou's answer to a failed login, in plain words."""
    if body.get("too_many_failed_login_attemps"):
        return ("Too many failed attempts: this account is locked for a "
                "minute. Try again later.")
    if status >= 500:
        return "Zou failed to answer. Try again in a moment."
    if status == 401:
        return "This account is inactive. Ask your studio manager."
    return "Wrong e-mail or password."


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out at Zou (best effort), then forget the session here."""
    tokens = token_store().get()
    if tokens:
        try:
            zou.auth.log_out(zou.ZouCaller(zou.client(),
                                           zou.BearerAuth(tokens["access"])))
        except zou.ZouError:
            audit.warning("zou logout failed; session ended locally")
    audit.info("logout")
    logout_user()
    end_session()
    return redirect(url_for("auth.login"), code=303)
