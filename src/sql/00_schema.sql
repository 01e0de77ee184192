-- feature_ext install script, assembled from src/sql/*.sql in name order.
\echo Use "CREATE EXTENSION feature_ext" to load this file. \quit

-- The extension's schema must be the installer's own: in a schema that
-- existed before, owned by or writable for another role, that role could
-- plant look-alike objects that an administrator later runs.
DO $$
DECLARE
  nsp pg_catalog.oid := (SELECT n.oid FROM pg_catalog.pg_namespace n
                          WHERE n.nspname OPERATOR(pg_catalog.=) 'feature_ext');
BEGIN
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
           WHERE n.oid OPERATOR(pg_catalog.=) nsp)
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
                 WHERE n.oid OPERATOR(pg_catalog.=) nsp AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
                   AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner)
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) nsp)
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) nsp)
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) nsp)
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) nsp)
  THEN
    RAISE EXCEPTION 'schema "feature_ext" already exists and is not a fresh schema of a superuser'
      USING ERRCODE = '42501',
            DETAIL = 'Its owner, a role with CREATE on it, or the objects already in it could stand in for the extension''s own.',
            HINT = 'Drop or rename that schema, then CREATE EXTENSION feature_ext again.';
  END IF;
END $$;

-- Fails with a clear error and hint when the library was not preloaded.
CREATE FUNCTION feature_ext.check_preloaded() RETURNS void
  AS 'MODULE_PATHNAME', 'fe_check_preloaded' LANGUAGE C STRICT;
SELECT feature_ext.check_preloaded();

CREATE FUNCTION feature_ext.version() RETURNS text
  AS 'MODULE_PATHNAME', 'fe_version' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Every role may use the extension's functions; each checks the privileges
-- of what it touches (deploy: CREATE on the target schema and SELECT on the
-- table; calls and index_scan: SELECT on the table).
GRANT USAGE ON SCHEMA feature_ext TO PUBLIC;
