from django.contrib.auth.decorators import login_not_required
from django.urls import path

from khata.team import views

app_name = "team"

urlpatterns = [
    path("login/", login_not_required(views.SignInView.as_view()), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("account/", views.account_view, name="account"),
    path("account/password/", views.PasswordView.as_view(), name="password"),
    path("account/tokens/", views.token_create_view, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("account/set-password/<uidb64>/<token>/",
         login_not_required(views.SetPasswordView.as_view()), name="set_password"),
    path("absences/", views.absences_view, name="absences"),
    path("absences/<int:pk>/", views.absence_edit_view, name="absence_edit"),
    path("absences/<int:pk>/end/", views.absence_end_view, name="absence_end"),
    path("team/<int:pk>/dismiss/", views.dismiss_view, name="dismiss"),
    path("team/settings/", views.team_settings_view, name="settings"),
]
