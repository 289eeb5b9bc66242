"""A full cluster recompute replaces the whole membership table as a bulk load does (drop the
keys and indexes, TRUNCATE, load, rebuild). That needs the table's owner, and the app's login
owns nothing (config/db_roles.py); so the owner provides this one operation as a function the
app may call. It takes the new rows from the caller's temporary table
`pg_temp.clustermember_load` and nothing else from the caller: the statements it runs are
read from the catalogue, never passed in."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION quarry_clustermember_reload() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_catalog, pg_temp
AS $$
DECLARE
    names text[];
    constraint_defs text[];
    index_defs text[];
    i integer;
BEGIN
    SELECT coalesce(array_agg(conname ORDER BY contype DESC), '{}'),
           coalesce(array_agg(pg_get_constraintdef(oid) ORDER BY contype DESC), '{}')
      INTO names, constraint_defs
      FROM pg_constraint WHERE conrelid = 'public.accounts_clustermember'::regclass;
    SELECT coalesce(array_agg(indexdef), '{}') INTO index_defs
      FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'accounts_clustermember'
       AND indexname <> ALL (names);
    -- Django's foreign keys are deferred; ALTER TABLE refuses to run with checks pending.
    SET CONSTRAINTS ALL IMMEDIATE;
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        EXECUTE format('ALTER TABLE public.accounts_clustermember DROP CONSTRAINT %I', names[i]);
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(index_defs, 1), 0) LOOP
        EXECUTE format('DROP INDEX public.%I', (
            SELECT indexname FROM pg_indexes
             WHERE schemaname = 'public' AND indexdef = index_defs[i]));
    END LOOP;
    TRUNCATE public.accounts_clustermember;
    INSERT INTO public.accounts_clustermember (account_id, cluster_id, since)
        SELECT account_id, cluster_id, since FROM pg_temp.clustermember_load;
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        EXECUTE format('ALTER TABLE public.accounts_clustermember ADD CONSTRAINT %I %s',
                       names[i], constraint_defs[i]);
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(index_defs, 1), 0) LOOP
        EXECUTE index_defs[i];
    END LOOP;
    SET CONSTRAINTS ALL DEFERRED;
END;
$$;
"""

BACKWARD = "DROP FUNCTION IF EXISTS quarry_clustermember_reload();"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_attribute_account_integrity_by_trigger")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
