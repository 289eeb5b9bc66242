"""An attribute's account is checked on the delete side, not on insert (see the model): the
deferred foreign-key check locked each new attribute's account at commit, and a new campaign's
first batches store thousands of attributes."""

import django.db.models.deletion
from django.db import migrations, models

TRIGGER = """
CREATE FUNCTION quarry_account_attributes_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM accounts_accountattribute WHERE account_id = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER account_attributes_delete BEFORE DELETE ON accounts_account
    FOR EACH ROW EXECUTE FUNCTION quarry_account_attributes_delete();
"""

DROP_TRIGGER = """
DROP TRIGGER account_attributes_delete ON accounts_account;
DROP FUNCTION quarry_account_attributes_delete();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_cluster_recompute_attempts")]

    operations = [
        migrations.AlterField(
            model_name="accountattribute",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attributes",
                to="accounts.account",
            ),
        ),
        migrations.RunSQL(TRIGGER, DROP_TRIGGER),
    ]
