from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import User


class UsernameOrMobileBackend(ModelBackend):
    """Log in with the username or the mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        # One string may be one user's username and another's mobile (staff can create such usernames): try both,
        # the username match first, so neither of them is locked out.
        candidates = sorted(User.objects.filter(Q(username=username) | Q(mobile=username))[:2],
                            key=lambda user: user.username != username)
        if not candidates:
            User().set_password(password)  # same work as a real check: no timing oracle for unknown users
            return None
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None
