"""Login, logout, password change, users and role grants, API tokens.

Pages that show a secret once (an initial or reset password, a new API token) answer the POST
directly instead of redirecting, so the secret never passes through the session or a cookie;
they are never_cache (Cache-Control: no-store).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from zhengdun.accounts import actions, permissions, security
from zhengdun.accounts.current import current_user
from zhengdun.accounts.forms import (
    GrantForm,
    LoginForm,
    PasswordChangeForm,
    TokenForm,
    UserCreateForm,
    apply_errors,
)
from zhengdun.accounts.models import ApiToken, RoleAssignment, User
from zhengdun.accounts.roles import Role
from zhengdun.core.errors import InvalidTransition

USER_PAGE_SIZE = 50


def _posted(request: HttpRequest) -> Any:
    # not `request.POST or None`: an empty POST must still be validated (and answered with
    # "required" messages), not shown as a fresh form
    return request.POST if request.method == "POST" else None


# --- sign in and out --------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request))
    form = LoginForm(request, _posted(request))
    if request.method == "POST" and form.is_valid() and form.user is not None:
        security.log_in(request, form.user)
        return redirect(_safe_next(request))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    context = {
        "form": form,
        "next": next_url,
        "max_failures": settings.LOGIN_MAX_FAILURES,
        "lock_minutes": settings.LOGIN_LOCK_MINUTES,
    }
    return render(request, "accounts/login.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    security.log_out(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PasswordChangeForm(user, _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_password(user, form.cleaned_data["new_password1"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改。")
            return redirect(settings.LOGIN_REDIRECT_URL)
    context = {
        "form": form,
        "expired": request.GET.get("expired") == "1",
        "must_change": user.must_change_password,
        "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
    }
    return render(request, "accounts/password_change.html", context)


# --- users -----------------------------------------------------------------------------------


def _visible_users(viewer: User) -> QuerySet[User]:
    """Accounts whose home unit lies in the viewer's subtree for viewing or managing users."""
    base = User.objects.all()
    return permissions.scope(viewer, "accounts.view_users", base) | permissions.scope(
        viewer, "accounts.manage_users", base
    )


def _require_user_pages(viewer: User) -> None:
    if not (
        permissions.has_permission(viewer, "accounts.view_users")
        or permissions.has_permission(viewer, "accounts.manage_users")
    ):
        raise PermissionDenied("您没有查看用户的权限")


def _get_user(viewer: User, pk: int) -> User:
    _require_user_pages(viewer)
    return get_object_or_404(_visible_users(viewer).select_related("unit"), pk=pk)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_user_pages(current_user(request))
    users = _visible_users(current_user(request)).select_related("unit")
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__contains=q))
    status = request.GET.get("status", "")
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "disabled":
        users = users.filter(is_active=False)
    elif status == "locked":
        users = users.filter(locked_until__gt=timezone.now())
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role_assignments__role=role).distinct()
    users = users.prefetch_related(
        Prefetch(
            "role_assignments", queryset=RoleAssignment.objects.select_related("unit").order_by("unit__path")
        )
    ).order_by("unit__path", "username")
    page = Paginator(users, USER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "status": status,
        "role": role,
        "roles": Role.choices,
        "can_create": permissions.has_permission(current_user(request), "accounts.manage_users"),
        "now": timezone.now(),
        "query": _query_without_page(request),
    }
    return render(request, "accounts/user_list.html", context)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    if not permissions.has_permission(current_user(request), "accounts.manage_users"):
        raise PermissionDenied("您没有开设账号的权限")
    form = UserCreateForm(current_user(request), _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user, password = actions.create_user(current_user(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _show_password(request, user, password, "账号已开设")
    return render(request, "accounts/user_form.html", {"form": form})


def _show_password(request: HttpRequest, user: User, password: str, title: str) -> HttpResponse:
    return render(
        request, "accounts/password_issued.html", {"target": user, "password": password, "title": title}
    )


def _render_detail(request: HttpRequest, target: User, grant_form: GrantForm | None = None) -> HttpResponse:
    viewer = current_user(request)
    may_grant = (
        viewer.pk != target.pk
        and target.unit is not None
        and permissions.has_permission(viewer, "accounts.grant_roles", target.unit)
    )
    grants = list(target.role_assignments.select_related("unit", "granted_by").order_by("unit__path", "role"))
    rows = [{"grant": g, "can_revoke": may_grant and actions.can_revoke(viewer, g)} for g in grants]
    context = {
        "target": target,
        "rows": rows,
        "may_grant": may_grant,
        "grant_form": grant_form or (GrantForm(viewer) if may_grant else None),
        "can_administer": actions.can_administer(viewer, target),
        "locked": security.is_locked(target),
        "lock_minutes": security.lock_minutes_left(target),
    }
    status = 400 if grant_form is not None and grant_form.errors else 200
    return render(request, "accounts/user_detail.html", context, status=status)


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _get_user(current_user(request), pk))


@login_required
@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    target = _get_user(current_user(request), pk)
    form = GrantForm(current_user(request), request.POST)
    if form.is_valid():
        try:
            grant = actions.grant_role(
                current_user(request), target, role=form.cleaned_data["role"], unit=form.cleaned_data["unit"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已授予“{grant.get_role_display()}”（{grant.unit.name}）。")
            return redirect("accounts:user_detail", pk=target.pk)
    return _render_detail(request, target, grant_form=form)


@login_required
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(RoleAssignment.objects.select_related("user", "unit"), pk=pk)
    target = _get_user(current_user(request), grant.user_id)
    actions.revoke_role(current_user(request), grant)
    messages.success(request, f"已撤销“{grant.get_role_display()}”（{grant.unit.name}）。")
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    target = _get_user(current_user(request), pk)
    active = request.POST.get("active") == "1"
    actions.set_active(current_user(request), target, active)
    messages.success(request, f"账号“{target.username}”已{'启用' if active else '停用'}。")
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    target = _get_user(current_user(request), pk)
    actions.unlock(current_user(request), target)
    messages.success(request, f"账号“{target.username}”已解除锁定。")
    return redirect("accounts:user_detail", pk=target.pk)


@never_cache
@login_required
@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = _get_user(current_user(request), pk)
    password = actions.reset_password(current_user(request), target)
    return _show_password(request, target, password, "密码已重置")


# --- API tokens ------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(_posted(request))
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = actions.issue_token(
                current_user(request),
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            issued = {"token": token, "raw": raw}
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=current_user(request)).order_by("-created_at")
    context = {"form": form, "tokens": tokens, "issued": issued, "now": timezone.now()}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/token_list.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # only the user's own tokens exist for them: anyone else's answers 404
    token = ApiToken.objects.filter(user=current_user(request), pk=pk).first()
    if token is None:
        raise Http404("未找到该令牌")
    try:
        actions.revoke_token(current_user(request), token)
    except InvalidTransition as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, f"令牌“{token.name}”已撤销。")
    return redirect("accounts:token_list")
