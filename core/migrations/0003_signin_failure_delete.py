from django.db import migrations


class Migration(migrations.Migration):
    """django-axes counts failed sign-ins now (core/signin.py)."""

    dependencies = [("core", "0002_signin_failure")]

    operations = [migrations.DeleteModel(name="SignInFailure")]
