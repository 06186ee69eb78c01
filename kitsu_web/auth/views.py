"""Login, two-factor code, logout and password reset views."""

import base64
import binascii
import logging
import secrets
import time
from urllib.parse import urlencode

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from .. import zou
from ..htmx import render
from ..sessions import end_session, start_session, store, token_store
from ..users import User
from .redirects import safe_next

bp = Blueprint("auth", __name__)
audit = logging.getLogger("kitsu_web.audit")

# How long the password typed before a two-factor code stays usable.
OTP_STEP_TTL = 300
# Logout waits this long for Zou at most, then ends the session anyway.
LOGOUT_TIMEOUT = 5.0


def next_target():
    """The page to return to: Kitsu's ``redirect`` or our ``next``."""
    return safe_next(
        request.values.get("next") or request.values.get("redirect")
    )


def client_headers():
    """The browser's address for Zou's login log and security e-mails."""
    address = request.remote_addr or ""
    return {"X-Forwarded-For": address, "X-Real-IP": address}


def rate_limited(kind):
    """Count one attempt from this address; True when over the limit."""
    settings = current_app.config["KITSU"]
    key = f"rate:{kind}:{request.remote_addr or 'unknown'}"
    count = store().incr(key, settings.login_rate_window)
    if count > settings.login_rate_limit:
        audit.warning("%s rate limit hit addr=%s", kind, request.remote_addr)
        return True
    return False


def too_many_requests(template, message, context):
    """The form again, with a 429 and a plain explanation."""
    settings = current_app.config["KITSU"]
    context = dict(context, error=message)
    response = render(template, status=429, **context)
    response.headers["Retry-After"] = str(settings.login_rate_window)
    return response


def login_context(**extra):
    """Context shared by the login page and its failed POSTs."""
    context = {
        "next": next_target(),
        "email": request.form.get("email", "").strip(),
        "error": None,
        "step": "password",
        "code_error": None,
        "challenge": "",
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
    if rate_limited("login"):
        return too_many_requests(
            "auth/login.html",
            "Too many login attempts from your address. Wait a minute "
            "and try again.",
            login_context(),
        )
    if request.form.get("totp") is not None:
        return login_with_code()
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    if not email or not password:
        return render(
            "auth/login.html",
            status=422,
            **login_context(error="Enter your e-mail and password."),
        )
    return ask_zou(email, password)


def login_with_code():
    """Second step: the password typed before, with a one-time code."""
    email = request.form.get("email", "").strip()
    code = "".join(request.form.get("totp", "").split())
    password = recall_password(email, request.form.get("challenge", ""))
    if password is None:
        session.pop("login_otp", None)
        return render(
            "auth/login.html",
            status=422,
            **login_context(
                error="That took too long. Enter your password again."
            ),
        )
    if not code:
        return render(
            "auth/login.html",
            status=422,
            **login_context(
                step="otp",
                challenge=request.form.get("challenge", ""),
                code_error="Enter the code from your authenticator app.",
            ),
        )
    return ask_zou(email, password, totp=code)


def ask_zou(email, password, totp=None):
    """Post the credentials to Zou and act on its answer."""
    try:
        status, body = zou.auth.log_in(
            zou.anonymous(),
            email,
            password,
            totp=totp,
            client_headers=client_headers(),
        )
    except zou.ZouUnavailable as exc:
        return render(
            "auth/login.html", status=503, **login_context(error=exc.message)
        )
    if status == 200 and body.get("two_factor_authentication_required"):
        audit.info("login refused: 2fa setup required addr=%s",
                   request.remote_addr)
        return render(
            "auth/login.html",
            status=422,
            **login_context(
                error="Your studio requires two-factor authentication. "
                "Set it up in Kitsu first, then log in here."
            ),
        )
    if status == 200 and body.get("access_token"):
        return logged_in(body)
    audit.info("login failed addr=%s status=%s", request.remote_addr, status)
    if body.get("default_password") and body.get("token"):
        session.pop("login_otp", None)
        query = {"email": email, "token": body["token"]}
        if next_target() != "/":
            query["next"] = next_target()
        flash("Choose a new password before going on.", "info")
        return redirect(
            url_for("auth.reset_change_password") + "?" + urlencode(query),
            code=303,
        )
    if body.get("missing_OTP") or body.get("wrong_OTP"):
        return second_factor_step(email, password, body)
    session.pop("login_otp", None)
    return render(
        "auth/login.html",
        status=422,
        **login_context(error=login_error_message(status, body)),
    )


def logged_in(body):
    """Keep Zou's tokens on the server and go where the user was going."""
    user = body["user"]
    target = next_target()
    start_session(body["access_token"], body["refresh_token"], user["id"])
    token_store().cache_user(
        {"user": user, "organisation": body.get("organisation")}
    )
    login_user(User(user, body.get("organisation")))
    audit.info("login ok user=%s addr=%s", user["id"], request.remote_addr)
    return redirect(target, code=303)


def second_factor_step(email, password, body):
    """Ask for the one-time code on the same page, or say it was wrong."""
    methods = body.get("two_factor_authentication_enabled") or []
    if body.get("missing_OTP") and methods and "totp" not in methods:
        return render(
            "auth/login.html",
            status=422,
            **login_context(
                error="This account uses a second factor kitsu-web does not "
                "support yet (e-mail code or security key). Log in with Kitsu."
            ),
        )
    code_error = None
    if body.get("wrong_OTP"):
        code_error = "Wrong code. Check your authenticator app and retry."
    return render(
        "auth/login.html",
        status=422,
        **login_context(
            step="otp",
            email=email,
            challenge=remember_password(email, password),
            code_error=code_error,
        ),
    )


def remember_password(email, password):
    """Split the password between the form and the session for one step.

    The form carries the password XOR a random pad, the server-side session
    keeps the pad: neither half alone reveals it, and it expires quickly.
    """
    raw = password.encode("utf-8")
    pad = secrets.token_bytes(len(raw))
    session["login_otp"] = {
        "email": email,
        "pad": base64.urlsafe_b64encode(pad).decode(),
        "at": time.time(),
    }
    mixed = bytes(a ^ b for a, b in zip(raw, pad))
    return base64.urlsafe_b64encode(mixed).decode()


def recall_password(email, challenge):
    """The password of the first step, or None when gone or tampered."""
    pending = session.get("login_otp")
    if not pending or pending.get("email") != email:
        return None
    if time.time() - pending.get("at", 0) > OTP_STEP_TTL:
        return None
    try:
        pad = base64.urlsafe_b64decode(pending["pad"])
        mixed = base64.urlsafe_b64decode(challenge)
    except (binascii.Error, ValueError):
        return None
    if len(pad) != len(mixed):
        return None
    try:
        return bytes(a ^ b for a, b in zip(mixed, pad)).decode("utf-8")
    except UnicodeDecodeError:
        return None


def login_error_message(status, body):
    """Zou's answer to a failed login, in plain words."""
    if body.get("too_many_failed_login_attemps"):
        return (
            "Too many failed attempts: this account is locked for a "
            "minute. Try again later."
        )
    if status == 401 or body.get("unactive"):
        return "This account is inactive. Ask your studio manager."
    if status == 409:
        return "Zou has no authentication method configured."
    if status >= 500:
        return "Zou failed to answer. Try again in a moment."
    return "Wrong e-mail or password."


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out at Zou (best effort), then forget the session here.

    The session's own caller is used, so a token that expired since the
    last page is refreshed once and Zou can still revoke the pair.
    """
    if token_store().get():
        settings = current_app.config["KITSU"]
        caller = zou.current()
        try:
            response = zou.auth.log_out(
                caller, timeout=min(LOGOUT_TIMEOUT, settings.zou_timeout)
            )
            if response.status_code != 200:
                audit.warning("zou logout answered %s", response.status_code)
        except zou.ZouError:
            audit.warning("zou logout failed; session ended locally")
    audit.info("logout")
    logout_user()
    end_session(force=True)
    return redirect(url_for("auth.login"), code=303)


@bp.get("/reset-password")
def reset_password():
    """The "forgot password" form."""
    return render(
        "auth/reset_password.html",
        email=request.args.get("email", ""),
        error=None,
        sent=False,
    )


@bp.post("/reset-password")
def reset_password_post():
    """Ask Zou to e-mail a link to choose a new password."""
    email = request.form.get("email", "").strip()
    if rate_limited("reset"):
        return too_many_requests(
            "auth/reset_password.html",
            "Too many requests from your address. Wait a minute and try "
            "again.",
            {"email": email, "sent": False},
        )
    if not email:
        return render(
            "auth/reset_password.html",
            status=422,
            email=email,
            error="Enter your e-mail address.",
            sent=False,
        )
    try:
        status, body = zou.auth.request_password_reset(
            zou.anonymous(), email, client_headers=client_headers()
        )
    except zou.ZouUnavailable as exc:
        return render(
            "auth/reset_password.html",
            status=503,
            email=email,
            error=exc.message,
            sent=False,
        )
    if status != 200:
        audit.info("reset request refused status=%s", status)
        return render(
            "auth/reset_password.html",
            status=422,
            email=email,
            error=body.get("message") or "Zou refused the request.",
            sent=False,
        )
    audit.info("reset requested addr=%s", request.remote_addr)
    return render(
        "auth/reset_password.html", email=email, error=None, sent=True
    )


# Zou's answers to a password change, by the field they concern.
RESET_FIELD_ERRORS = {
    "Password is too short.": (
        "password",
        "This password is too short.",
    ),
    "Confirmation password doesn't match.": (
        "password2",
        "The two passwords differ.",
    ),
}


def reset_context(**extra):
    """Context of the "choose a new password" page."""
    context = {
        "email": request.values.get("email", "").strip(),
        "token": request.values.get("token", "").strip(),
        "kind": request.values.get("type", ""),
        "next": next_target(),
        "error": None,
        "field_errors": {},
    }
    context.update(extra)
    return context


@bp.get("/reset-change-password")
def reset_change_password():
    """The page Zou's e-mails link to: choose a new password."""
    return render("auth/reset_change_password.html", **reset_context())


@bp.post("/reset-change-password")
def reset_change_password_post():
    """Set the new password at Zou with the e-mailed token."""
    context = reset_context()
    password = request.form.get("password", "")
    password2 = request.form.get("password2", "")
    if not context["email"] or not context["token"]:
        context["error"] = (
            "This link is incomplete. Ask for a new one below."
        )
        return render(
            "auth/reset_change_password.html", status=422, **context
        )
    if not password or not password2:
        context["field_errors"] = {
            name: "Required."
            for name, value in (("password", password),
                                ("password2", password2))
            if not value
        }
        return render(
            "auth/reset_change_password.html", status=422, **context
        )
    try:
        status, body = zou.auth.reset_password(
            zou.anonymous(),
            context["email"],
            context["token"],
            password,
            password2,
        )
    except zou.ZouUnavailable as exc:
        context["error"] = exc.message
        return render(
            "auth/reset_change_password.html", status=503, **context
        )
    if status == 200 and body.get("success"):
        audit.info("password reset done addr=%s", request.remote_addr)
        flash("Your password has been changed: log in with it.", "success")
        target = url_for("auth.login")
        if context["next"] != "/":
            target += "?" + urlencode({"next": context["next"]})
        return redirect(target, code=303)
    message = body.get("message") or "Zou refused the new password."
    if message in RESET_FIELD_ERRORS:
        field, text = RESET_FIELD_ERRORS[message]
        context["field_errors"] = {field: text}
    elif "token" in message.lower():
        context["error"] = (
            "This link is wrong or has expired. Ask for a new one below."
        )
        context["expired"] = True
    else:
        context["error"] = message
    return render("auth/reset_change_password.html", status=422, **context)
