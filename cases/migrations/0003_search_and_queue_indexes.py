"""Full-text search over a case: a tsvector column kept current by triggers.

The case's own text (number, title, tags, suspected actor, summaries) and the text of its notes
and evidence (descriptions and file names) go into `search_vector`. A BEFORE trigger on the case
recomputes it whenever that text may have changed; triggers on notes and evidence set the column
to NULL on their case, which fires the case trigger. Account external ids are not folded in: a
campaign case can link 50,000 accounts, past what one tsvector should hold, so the queue looks
them up through the unique index on accounts_account.external_id instead.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models

CASE_FUNCTION = """
CREATE OR REPLACE FUNCTION quarry_case_search_refresh() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.search_vector IS NOT DISTINCT FROM OLD.search_vector
       AND NEW.title = OLD.title AND NEW.summary = OLD.summary
       AND NEW.closing_summary = OLD.closing_summary
       AND NEW.suspected_actor = OLD.suspected_actor AND NEW.tags = OLD.tags THEN
        RETURN NEW;
    END IF;
    NEW.search_vector :=
        setweight(to_tsvector('simple', NEW.number), 'A')
        || setweight(to_tsvector('english', NEW.title), 'A')
        || setweight(to_tsvector('simple',
               NEW.suspected_actor || ' ' || array_to_string(NEW.tags, ' ')), 'B')
        || setweight(to_tsvector('english', NEW.summary || ' ' || NEW.closing_summary), 'B')
        || setweight(to_tsvector('english', coalesce(
               (SELECT string_agg(body, ' ') FROM cases_comment WHERE case_id = NEW.id), '')),
               'C')
        || setweight(to_tsvector('english', coalesce(
               (SELECT string_agg(description || ' ' || original_name || ' '
                       || regexp_replace(original_name, '[^[:alnum:]]+', ' ', 'g'), ' ')
                  FROM evidence_evidence WHERE case_id = NEW.id), '')), 'C');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

CASE_TRIGGER = """
CREATE TRIGGER cases_case_search_refresh
BEFORE INSERT OR UPDATE ON cases_case
FOR EACH ROW EXECUTE FUNCTION quarry_case_search_refresh();
"""

DROP_CASE = """
DROP TRIGGER IF EXISTS cases_case_search_refresh ON cases_case;
DROP FUNCTION IF EXISTS quarry_case_search_refresh();
"""

CHILD_FUNCTION = """
CREATE OR REPLACE FUNCTION quarry_case_search_touch() RETURNS trigger AS $$
BEGIN
    UPDATE cases_case SET search_vector = NULL
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

CHILD_TRIGGER = """
CREATE TRIGGER {table}_case_search_touch
AFTER INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION quarry_case_search_touch();
"""

DROP_CHILDREN = """
DROP TRIGGER IF EXISTS cases_comment_case_search_touch ON cases_comment;
DROP TRIGGER IF EXISTS evidence_evidence_case_search_touch ON evidence_evidence;
DROP FUNCTION IF EXISTS quarry_case_search_touch();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_append_only_triggers"),
        ("evidence", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="case",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="case_search_gin"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-created_at", "-id"], name="case_created_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-updated_at", "-id"], name="case_updated_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["resolve_due_at", "id"], name="case_resolve_due_id"),
        ),
        migrations.RunSQL(CASE_FUNCTION + CASE_TRIGGER, DROP_CASE),
        migrations.RunSQL(
            CHILD_FUNCTION
            + CHILD_TRIGGER.format(table="cases_comment")
            + CHILD_TRIGGER.format(table="evidence_evidence"),
            DROP_CHILDREN,
        ),
        # Fill the column for the cases that exist already.
        migrations.RunSQL("UPDATE cases_case SET search_vector = NULL;", migrations.RunSQL.noop),
    ]
