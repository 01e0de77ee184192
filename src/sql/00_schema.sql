-- feature_ext install script, assembled from src/sql/*.sql in name order.
\echo Use "CREATE EXTENSION feature_ext" to load this file. \quit

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
