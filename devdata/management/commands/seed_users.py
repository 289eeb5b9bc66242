import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from core.roles import ADMIN, INVESTIGATOR, LEAD, LEGAL

DEMO_USERS = [
    ("ivy", INVESTIGATOR, "Ivy Investigator"),
    ("leo", LEAD, "Leo Lead"),
    ("lara", LEGAL, "Lara Legal"),
    ("ada", ADMIN, "Ada Admin"),
]


class Command(BaseCommand):
    help = "Create one demo user per role; each new user's password is printed once, here."

    def handle(self, *args, **options):
        User = get_user_model()
        for username, role, full_name in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(
                    f"  {username:<6} ({role}) exists; password unchanged "
                    f"(reset: python manage.py changepassword {username})"
                )
                continue
            password = secrets.token_urlsafe(12)
            first, last = full_name.split(" ", 1)
            user = User.objects.create_user(
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@quarry.example",
                is_staff=(role == ADMIN),
                is_superuser=(role == ADMIN),
            )
            user.groups.add(Group.objects.get(name=role))
            self.stdout.write(f"  {username:<6} ({role}) password: {password}")
