"""The bulk reload of the membership table in two steps around the caller's own COPY, instead of
one function fed through a temporary table: the rows cross into the table once, COPYed frozen,
rather than into a temporary table and then again by INSERT … SELECT.

- `quarry_clustermember_reload_begin()` notes the table's constraints and indexes (read from the
  catalogue) in a temporary table owned by the table's owner, drops them and truncates the table;
- the caller COPYs the new rows in (the app login may INSERT; FREEZE is allowed because the
  table was truncated in the same transaction);
- `quarry_clustermember_reload_end()` builds the constraints and indexes again from that note,
  validating the foreign keys over the new rows, and drops the note.

Nothing the caller passes reaches a statement run as the owner: the note is created by the owner
in the caller's transaction (ON COMMIT DROP), the app login has no right on it, and `end` runs
it only when the owner owns it (a note the caller made itself is refused). Both steps must happen
in one transaction: `begin` leaves the table without its keys until `end` restores them, and a
transaction that ends between them rolls the drops back with everything else."""

import importlib

from django.db import migrations

FORWARD = """
DROP FUNCTION IF EXISTS quarry_clustermember_reload();

CREATE FUNCTION quarry_clustermember_reload_begin() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_catalog, pg_temp
AS $$
DECLARE
    note record;
BEGIN
    -- Fails if the caller made a table of this name first: the note is only ever ours.
    CREATE TEMP TABLE clustermember_reload_note
        (position integer, drop_statement text, create_statement text) ON COMMIT DROP;
    -- Keys, indexes and foreign keys only: NOT NULL and CHECK constraints (PostgreSQL 18 lists
    -- NOT NULL here too) cost little during the COPY and a scan each to add back. On the way
    -- back the keys come first, then the other indexes, then the foreign keys, so that each
    -- foreign key is validated over a table that already has its indexes.
    INSERT INTO pg_temp.clustermember_reload_note
    SELECT CASE WHEN contype = 'f' THEN 2000 ELSE 0 END + row_number() OVER (ORDER BY conname),
           format('ALTER TABLE public.accounts_clustermember DROP CONSTRAINT %I', conname),
           format('ALTER TABLE public.accounts_clustermember ADD CONSTRAINT %I %s',
                  conname, pg_get_constraintdef(oid))
      FROM pg_constraint
     WHERE conrelid = 'public.accounts_clustermember'::regclass AND contype IN ('p', 'u', 'f', 'x');
    INSERT INTO pg_temp.clustermember_reload_note
    SELECT 1000 + row_number() OVER (ORDER BY indexname),
           format('DROP INDEX public.%I', indexname), indexdef
      FROM pg_indexes
     WHERE schemaname = 'public' AND tablename = 'accounts_clustermember'
       AND indexname NOT IN (SELECT conname FROM pg_constraint
                              WHERE conrelid = 'public.accounts_clustermember'::regclass);
    -- Django's foreign keys are deferred; ALTER TABLE refuses to run with checks pending.
    SET CONSTRAINTS ALL IMMEDIATE;
    FOR note IN SELECT drop_statement FROM pg_temp.clustermember_reload_note ORDER BY position
    LOOP
        EXECUTE note.drop_statement;
    END LOOP;
    TRUNCATE public.accounts_clustermember;
END;
$$;

-- Validating a foreign key is an anti join of the table with the referenced one. The planner
-- picks a hash join; but both sides are already sorted in their primary key indexes, and the
-- reloaded pages are all-visible (COPY FREEZE), so merging the two indexes is several times
-- faster (1M memberships: 550 -> 136 ms), and a parallel plan only adds start-up on 2 cores.
-- These settings hold only while the function runs.
CREATE FUNCTION quarry_clustermember_reload_end() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_catalog, pg_temp
SET enable_hashjoin = off
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    note record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class
                    WHERE oid = to_regclass('pg_temp.clustermember_reload_note')
                      AND relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user))
    THEN
        RAISE EXCEPTION 'quarry_clustermember_reload_begin() was not called in this transaction';
    END IF;
    FOR note IN SELECT create_statement FROM pg_temp.clustermember_reload_note
                 ORDER BY position
    LOOP
        EXECUTE note.create_statement;
    END LOOP;
    DROP TABLE pg_temp.clustermember_reload_note;
    SET CONSTRAINTS ALL DEFERRED;
END;
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS quarry_clustermember_reload_begin();
DROP FUNCTION IF EXISTS quarry_clustermember_reload_end();
"""


def _previous_function() -> str:
    return importlib.import_module("accounts.migrations.0007_clustermember_reload_function").FORWARD


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_clustermember_reload_function")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD + _previous_function())]
