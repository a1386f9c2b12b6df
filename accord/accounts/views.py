"""Login, user management and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accord.accounts import actions, policy
from accord.accounts.forms import AcceptInvitationForm, InviteForm, UserForm
from accord.accounts.models import Invitation
from accord.lib.forms import apply_validation_error


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, policy.Perm.MANAGE_USERS)
    users = policy.visible_users(request.user).order_by(
        "organization__kind", "organization__name", "username"
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    invitations = Invitation.objects.select_related("organization", "invited_by")[:20]
    return render(
        request,
        "accounts/user_list.html",
        {"page_obj": page, "invitations": invitations, "invite_form": InviteForm()},
    )


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, policy.Perm.MANAGE_USERS)
    target = get_object_or_404(policy.visible_users(request.user), pk=pk)
    form = UserForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_user(actor=request.user, user=target, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{target.username} was updated.")
            return redirect("accounts:users")
    # The form edits the instance in place while validating; show the stored values on error.
    target.refresh_from_db()
    return render(request, "accounts/user_form.html", {"form": form, "target": target})


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, policy.Perm.MANAGE_USERS)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = actions.invite_user(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            link = request.build_absolute_uri(actions.invitation_path(invitation))
            return render(
                request,
                "accounts/invitation_created.html",
                {"invitation": invitation, "link": link},
            )
    users = policy.visible_users(request.user)
    page = Paginator(users, 50).get_page(1)
    invitations = Invitation.objects.select_related("organization", "invited_by")[:20]
    return render(
        request,
        "accounts/user_list.html",
        {"page_obj": page, "invitations": invitations, "invite_form": form},
        status=400,
    )


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, policy.Perm.MANAGE_USERS)
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        actions.revoke_invitation(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The invitation for {invitation.email} was revoked.")
    return redirect("accounts:users")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = actions.find_invitation(token)
    if invitation is None:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"reason": "This link is not valid."},
            status=404,
        )
    if not invitation.is_usable:
        reason = f"This invitation is {invitation.state}. Ask an admin for a new one."
        return render(request, "accounts/invitation_invalid.html", {"reason": reason}, status=410)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.accept_invitation(
                invitation=invitation,
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to Accord.")
            return redirect("dashboard")
    return render(
        request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation}
    )
