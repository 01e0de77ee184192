-- feature_ext install script, assembled from src/sql/*.sql in name order.
\echo Use "CREATE EXTENSION feature_ext" to load this file. \quit

-- Fails with a clear error and hint when the library was not preloaded.
CREATE FUNCTION feature_ext.check_preloaded() RETURNS void
  AS 'MODULE_PATHNAME', 'fe_check_preloaded' LANGUAGE C STRICT;
SELECT feature_ext.check_preloaded();

CREATE FUNCTION feature_ext.version() RETURNS text
  AS 'MODULE_PATHNAME', 'fe_version' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
