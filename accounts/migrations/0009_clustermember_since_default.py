"""A membership's `since` defaults, in the database, to the transaction's time: a full recompute
loads the accounts that moved without a date (two columns instead of three), and they join their
cluster when the recompute commits, as `now()` gives it everywhere else in clustering."""

from django.contrib.postgres.functions import TransactionNow
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_clustermember_reload_in_two_steps")]

    operations = [
        migrations.AlterField(
            model_name="clustermember",
            name="since",
            field=models.DateTimeField(db_default=TransactionNow()),
        ),
    ]
