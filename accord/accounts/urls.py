from django.contrib.auth import views as auth_views
from django.urls import path

from accord.accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("users/", views.user_list, name="users"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("invitations/", views.invite, name="invite"),
    path("invitations/<int:pk>/revoke/", views.revoke, name="revoke_invitation"),
    path("invite/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
