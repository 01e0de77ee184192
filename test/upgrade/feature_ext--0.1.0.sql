-- feature_ext 0.1.0 as released (the install script of commit afa7c46, the last
-- main before the first versioned change). Kept verbatim for test/scripts/upgrade.sh:
-- never edit it; the next release freezes its own script beside it.
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
-- Storage engine: feature_store table AM + skiplist index AM (SPEC §2).

CREATE FUNCTION feature_ext.feature_store_handler(internal) RETURNS table_am_handler
  AS 'MODULE_PATHNAME', 'fe_feature_store_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD feature_store TYPE TABLE HANDLER feature_ext.feature_store_handler;
COMMENT ON ACCESS METHOD feature_store IS
  'heap storage whose rows are mirrored into TTL''d in-memory skiplist indexes';

CREATE FUNCTION feature_ext.skiplist_handler(internal) RETURNS index_am_handler
  AS 'MODULE_PATHNAME', 'fe_skiplist_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD skiplist TYPE INDEX HANDLER feature_ext.skiplist_handler;
COMMENT ON ACCESS METHOD skiplist IS
  'in-memory newest-first index (key columns..., order column) with TTL, for feature requests';

-- Operator classes: the skiplist AM compares keys by their bytes and orders
-- rows by the order column, so an opclass only declares the accepted types.
CREATE OPERATOR CLASS feature_ext.skiplist_int2_ops DEFAULT FOR TYPE int2 USING skiplist AS STORAGE int2;
CREATE OPERATOR CLASS feature_ext.skiplist_int4_ops DEFAULT FOR TYPE int4 USING skiplist AS STORAGE int4;
CREATE OPERATOR CLASS feature_ext.skiplist_int8_ops DEFAULT FOR TYPE int8 USING skiplist AS STORAGE int8;
CREATE OPERATOR CLASS feature_ext.skiplist_text_ops DEFAULT FOR TYPE text USING skiplist AS STORAGE text;
CREATE OPERATOR CLASS feature_ext.skiplist_bpchar_ops DEFAULT FOR TYPE bpchar USING skiplist AS STORAGE bpchar;
CREATE OPERATOR CLASS feature_ext.skiplist_bytea_ops DEFAULT FOR TYPE bytea USING skiplist AS STORAGE bytea;
CREATE OPERATOR CLASS feature_ext.skiplist_bool_ops DEFAULT FOR TYPE bool USING skiplist AS STORAGE bool;
CREATE OPERATOR CLASS feature_ext.skiplist_date_ops DEFAULT FOR TYPE date USING skiplist AS STORAGE date;
CREATE OPERATOR CLASS feature_ext.skiplist_timestamp_ops DEFAULT FOR TYPE timestamp USING skiplist AS STORAGE timestamp;
CREATE OPERATOR CLASS feature_ext.skiplist_timestamptz_ops DEFAULT FOR TYPE timestamptz USING skiplist AS STORAGE timestamptz;
CREATE OPERATOR CLASS feature_ext.skiplist_uuid_ops DEFAULT FOR TYPE uuid USING skiplist AS STORAGE uuid;
CREATE OPERATOR CLASS feature_ext.skiplist_oid_ops DEFAULT FOR TYPE oid USING skiplist AS STORAGE oid;
CREATE OPERATOR CLASS feature_ext.skiplist_char_ops DEFAULT FOR TYPE "char" USING skiplist AS STORAGE "char";
CREATE OPERATOR CLASS feature_ext.skiplist_name_ops DEFAULT FOR TYPE name USING skiplist AS STORAGE name;
CREATE OPERATOR CLASS feature_ext.skiplist_enum_ops DEFAULT FOR TYPE anyenum USING skiplist AS STORAGE anyenum;

-- Monitoring -------------------------------------------------------------

CREATE FUNCTION feature_ext.index_stats_raw(
    OUT index_oid oid, OUT table_oid oid, OUT keys bigint, OUT rows_in_memory bigint,
    OUT bytes_used bigint, OUT rows_expired bigint, OUT last_gc timestamptz, OUT state text)
  RETURNS SETOF record AS 'MODULE_PATHNAME', 'fe_index_stats_raw' LANGUAGE C STRICT VOLATILE;

-- One row per skiplist index of the current database on a table the caller
-- may SELECT (index_stats_raw() filters the same way); an index not yet
-- loaded on this server run (after a restart) shows state 'not loaded'.
CREATE VIEW feature_ext.index_stats AS
SELECT i.indexrelid::pg_catalog.regclass AS index_name,
       i.indrelid::pg_catalog.regclass   AS table_name,
       coalesce(s.keys, 0)            AS keys,
       coalesce(s.rows_in_memory, 0)  AS rows_in_memory,
       coalesce(s.bytes_used, 0)      AS bytes_used,
       coalesce(s.rows_expired, 0)    AS rows_expired,
       s.last_gc,
       coalesce(s.state, 'not loaded'::pg_catalog.text) AS state
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) c.relam
                          AND am.amname OPERATOR(pg_catalog.=) 'skiplist'::pg_catalog.name
  LEFT JOIN feature_ext.index_stats_raw() s ON s.index_oid OPERATOR(pg_catalog.=) i.indexrelid
 WHERE pg_catalog.has_table_privilege(i.indrelid, 'SELECT'::pg_catalog.text);
GRANT SELECT ON feature_ext.index_stats TO PUBLIC;

CREATE FUNCTION feature_ext.memory_usage(
    OUT total_bytes bigint, OUT used_bytes bigint, OUT free_bytes bigint,
    OUT reclaimable_bytes bigint, OUT indexes int)
  RETURNS record AS 'MODULE_PATHNAME', 'fe_memory_usage' LANGUAGE C STRICT VOLATILE;

-- Expire rows past their TTL in every index now; returns the rows expired.
-- It walks every index of the server (a pass slows requests down), so it is
-- for superusers and the roles the DBA grants it to, not PUBLIC.
CREATE FUNCTION feature_ext.run_gc() RETURNS bigint
  AS 'MODULE_PATHNAME', 'fe_run_gc' LANGUAGE C STRICT VOLATILE;
REVOKE EXECUTE ON FUNCTION feature_ext.run_gc() FROM PUBLIC;

-- Table options retention / retention_column of feature_store tables (taken
-- out of CREATE TABLE / ALTER TABLE by feature_ext's utility hook; dumped by
-- pg_dump after the tables).
CREATE TABLE feature_ext.table_options (
    relid regclass PRIMARY KEY,
    retention interval,
    retention_column name
);
SELECT pg_catalog.pg_extension_config_dump('feature_ext.table_options', '');
GRANT SELECT ON feature_ext.table_options TO PUBLIC;
-- A dropped table's options go with it (its OID may be reused).  SECURITY
-- DEFINER, run by whoever drops something: search_path pinned with pg_temp
-- last and every name qualified, so no temporary relation or type of the
-- caller's stands in for pg_catalog's.
CREATE FUNCTION feature_ext._forget_dropped_tables() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM feature_ext.table_options o USING pg_catalog.pg_event_trigger_dropped_objects() d
   WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.objsubid OPERATOR(pg_catalog.=) 0
     AND o.relid::pg_catalog.oid OPERATOR(pg_catalog.=) d.objid;
END $$;
CREATE EVENT TRIGGER feature_ext_forget_dropped_tables ON sql_drop
  EXECUTE FUNCTION feature_ext._forget_dropped_tables();

-- run_retention(): delete now, in this database, the rows of the caller's own
-- feature_store tables (every table for a superuser) older than their table
-- option `retention`, each as the table's owner in a security-restricted
-- operation, as VACUUM does (the background launcher does it for every table
-- every feature_ext.retention_interval).  PUBLIC: it touches only the
-- caller's own tables.
CREATE FUNCTION feature_ext.run_retention() RETURNS bigint
  AS 'MODULE_PATHNAME', 'fe_run_retention' LANGUAGE C STRICT VOLATILE;

-- The rows of one key as a request sees them: newest first, from the newest
-- row with order value <= upto (NULL: from the newest), TTL applied.
CREATE FUNCTION feature_ext.index_scan(index regclass, keys text[], upto text DEFAULT NULL,
                                       max_rows int DEFAULT NULL)
  RETURNS TABLE(order_value text, row_data text)
  AS 'MODULE_PATHNAME', 'fe_index_scan' LANGUAGE C CALLED ON NULL INPUT VOLATILE;
-- ===========================================================================
-- OpenMLDB aggregate library (issue #3).  Reference: docs/AGGREGATES.md.
--
-- Every aggregate has an `internal` state holding a C++ kernel
-- (include/feature_ext/agg/kernels.hpp) and supports moving-aggregate mode
-- (inverse transition), so sliding ROWS/RANGE windows never recompute a
-- frame from scratch.  Overloads are declared per argument type; an argument
-- of another type fails with PostgreSQL's "function ... does not exist".
-- Transition functions take "any" and find the actual types at run time.
--
-- Type sets used below:
--   num  (value of sum/min/max_where, *_cate):   int2 int4 int8 float4 float8
--        (numeric resolves to the float8 overload by implicit cast)
--   any  (distinct_count, entropy, nth_value_where, at, latest_value):
--        bool int2 int4 int8 float4 float8 date timestamp timestamptz text
--   key  (top, topn_frequency, top1_ratio): `any` without bool
--   cate (category of *_cate):  int8 (int2/int4 by implicit cast) date
--        timestamp timestamptz text
-- ===========================================================================

-- Final functions shared by all aggregates (read-only on the state).
DO $fe$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['bool','int2','int4','int8','float4','float8','date','timestamp','timestamptz','text'] LOOP
    EXECUTE format('CREATE FUNCTION feature_ext._agg_final_%s(internal) RETURNS %s '
                   'AS %L, %L LANGUAGE C PARALLEL SAFE', t, t, 'MODULE_PATHNAME', 'fe_agg_final');
  END LOOP;
END $fe$;
CREATE FUNCTION feature_ext._agg_final_count(internal) RETURNS bigint
  AS 'MODULE_PATHNAME', 'fe_agg_final_count' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION feature_ext._agg_final_zero(internal) RETURNS float8
  AS 'MODULE_PATHNAME', 'fe_agg_final_zero' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION feature_ext._agg_final_string(internal) RETURNS text
  AS 'MODULE_PATHNAME', 'fe_agg_final_text' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION feature_ext._agg_final_textarr(internal) RETURNS text[]
  AS 'MODULE_PATHNAME', 'fe_agg_final_textarr' LANGUAGE C PARALLEL SAFE;

-- Transition (forward + inverse) functions: one pair per family.
--   name, C symbol, SQL argument list after the state
DO $fe$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('sum_where',                   '"any", boolean'),
    ('avg_where',                   '"any", boolean'),
    ('min_where',                   '"any", boolean'),
    ('max_where',                   '"any", boolean'),
    ('distinct_count',              '"any"'),
    ('entropy',                     '"any"'),
    ('top1_ratio',                  '"any"'),
    ('topn_frequency',              '"any", bigint'),
    ('top',                         '"any", bigint'),
    ('count_cate',                  '"any", "any"'),
    ('sum_cate',                    '"any", "any"'),
    ('avg_cate',                    '"any", "any"'),
    ('min_cate',                    '"any", "any"'),
    ('max_cate',                    '"any", "any"'),
    ('count_cate_where',            '"any", boolean, "any"'),
    ('sum_cate_where',              '"any", boolean, "any"'),
    ('avg_cate_where',              '"any", boolean, "any"'),
    ('min_cate_where',              '"any", boolean, "any"'),
    ('max_cate_where',              '"any", boolean, "any"'),
    ('top_n_key_count_cate_where',  '"any", boolean, "any", bigint'),
    ('top_n_key_sum_cate_where',    '"any", boolean, "any", bigint'),
    ('top_n_key_avg_cate_where',    '"any", boolean, "any", bigint'),
    ('top_n_key_min_cate_where',    '"any", boolean, "any", bigint'),
    ('top_n_key_max_cate_where',    '"any", boolean, "any", bigint'),
    ('top_n_value_count_cate_where','"any", boolean, "any", bigint'),
    ('top_n_value_sum_cate_where',  '"any", boolean, "any", bigint'),
    ('top_n_value_avg_cate_where',  '"any", boolean, "any", bigint'),
    ('top_n_value_min_cate_where',  '"any", boolean, "any", bigint'),
    ('top_n_value_max_cate_where',  '"any", boolean, "any", bigint'),
    ('top_n_key_ratio_cate',        '"any", boolean, "any", bigint'),
    ('top_n_value_ratio_cate',      '"any", boolean, "any", bigint'),
    ('median',                      'float8'),
    ('ew_avg',                      'float8, float8'),
    ('drawdown',                    'float8'),
    ('nth_value_where',             '"any", bigint, boolean'),
    ('at',                          '"any", bigint'),
    ('latest_value',                '"any"'),
    ('window_split',                'text, text'),
    ('window_split_by_key',         'text, text, text'),
    ('window_split_by_value',       'text, text, text'),
    ('join',                        'text, text')
  ) AS v(name, args) LOOP
    EXECUTE format('CREATE FUNCTION feature_ext._%s_sfunc(internal, %s) RETURNS internal '
                   'AS %L, %L LANGUAGE C PARALLEL SAFE',
                   r.name, r.args, 'MODULE_PATHNAME', 'fe_' || r.name || '_sfunc');
    EXECUTE format('CREATE FUNCTION feature_ext._%s_minv(internal, %s) RETURNS internal '
                   'AS %L, %L LANGUAGE C PARALLEL SAFE',
                   r.name, r.args, 'MODULE_PATHNAME', 'fe_agg_minv');
  END LOOP;
END $fe$;

-- _fe_agg(name, family, argument types, final function): one aggregate with
-- moving-aggregate support.  Dropped at the end of this script.
CREATE FUNCTION feature_ext._fe_agg(name text, fam text, args text, final text) RETURNS void
LANGUAGE plpgsql AS $fe$
BEGIN
  EXECUTE format('CREATE AGGREGATE feature_ext.%I(%s) ('
                 'SFUNC = feature_ext._%s_sfunc, STYPE = internal, FINALFUNC = feature_ext.%I, '
                 'MSFUNC = feature_ext._%s_sfunc, MINVFUNC = feature_ext._%s_minv, MSTYPE = internal, '
                 'MFINALFUNC = feature_ext.%I, PARALLEL = SAFE)',
                 name, args, fam, final, fam, fam, final);
END $fe$;

-- count_where(value, cond), count_where(cond): a plain bigint state.
CREATE FUNCTION feature_ext._count_where_sfunc(bigint, "any", boolean) RETURNS bigint
  AS 'MODULE_PATHNAME', 'fe_count_where_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION feature_ext._count_where_minv(bigint, "any", boolean) RETURNS bigint
  AS 'MODULE_PATHNAME', 'fe_count_where_minv' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION feature_ext._count_where_sfunc(bigint, boolean) RETURNS bigint
  AS 'MODULE_PATHNAME', 'fe_count_where_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION feature_ext._count_where_minv(bigint, boolean) RETURNS bigint
  AS 'MODULE_PATHNAME', 'fe_count_where_minv' LANGUAGE C PARALLEL SAFE;
CREATE AGGREGATE feature_ext.count_where("any", boolean) (
  SFUNC = feature_ext._count_where_sfunc, STYPE = bigint, INITCOND = '0',
  COMBINEFUNC = pg_catalog.int8pl,
  MSFUNC = feature_ext._count_where_sfunc, MINVFUNC = feature_ext._count_where_minv,
  MSTYPE = bigint, MINITCOND = '0', PARALLEL = SAFE);
CREATE AGGREGATE feature_ext.count_where(boolean) (
  SFUNC = feature_ext._count_where_sfunc, STYPE = bigint, INITCOND = '0',
  COMBINEFUNC = pg_catalog.int8pl,
  MSFUNC = feature_ext._count_where_sfunc, MINVFUNC = feature_ext._count_where_minv,
  MSTYPE = bigint, MINITCOND = '0', PARALLEL = SAFE);

DO $fe$
DECLARE
  num  text[] := ARRAY['int2','int4','int8','float4','float8'];
  anyt text[] := ARRAY['bool','int2','int4','int8','float4','float8','date','timestamp','timestamptz','text'];
  keyt text[] := ARRAY['int2','int4','int8','float4','float8','date','timestamp','timestamptz','text'];
  cate text[] := ARRAY['int8','date','timestamp','timestamptz','text'];
  cnum text[] := ARRAY['int2','int4','int8','float8'];
  f text; t text; k text;
BEGIN
  -- sum_where / min_where / max_where: result has the value's type
  FOREACH f IN ARRAY ARRAY['sum_where','min_where','max_where'] LOOP
    FOREACH t IN ARRAY num LOOP
      PERFORM feature_ext._fe_agg(f, f, t || ', boolean', '_agg_final_' || t);
    END LOOP;
  END LOOP;
  PERFORM feature_ext._fe_agg('avg_where', 'avg_where', 'float8, boolean', '_agg_final_float8');

  FOREACH t IN ARRAY anyt LOOP
    PERFORM feature_ext._fe_agg('distinct_count', 'distinct_count', t, '_agg_final_count');
    PERFORM feature_ext._fe_agg('entropy', 'entropy', t, '_agg_final_float8');
    PERFORM feature_ext._fe_agg('nth_value_where', 'nth_value_where', t || ', bigint, boolean', '_agg_final_' || t);
    PERFORM feature_ext._fe_agg('at', 'at', t || ', bigint', '_agg_final_' || t);
    PERFORM feature_ext._fe_agg('latest_value', 'latest_value', t, '_agg_final_' || t);
  END LOOP;
  FOREACH t IN ARRAY keyt LOOP
    PERFORM feature_ext._fe_agg('top1_ratio', 'top1_ratio', t, '_agg_final_zero');
    PERFORM feature_ext._fe_agg('topn_frequency', 'topn_frequency', t || ', bigint', '_agg_final_string');
    PERFORM feature_ext._fe_agg('top', 'top', t || ', bigint', '_agg_final_string');
  END LOOP;

  FOREACH k IN ARRAY cate LOOP
    PERFORM feature_ext._fe_agg('count_cate', 'count_cate', '"any", ' || k, '_agg_final_string');
    PERFORM feature_ext._fe_agg('count_cate_where', 'count_cate_where', '"any", boolean, ' || k, '_agg_final_string');
    PERFORM feature_ext._fe_agg('avg_cate', 'avg_cate', 'float8, ' || k, '_agg_final_string');
    PERFORM feature_ext._fe_agg('avg_cate_where', 'avg_cate_where', 'float8, boolean, ' || k, '_agg_final_string');
    FOREACH f IN ARRAY ARRAY['top_n_key_count_cate_where','top_n_value_count_cate_where',
                             'top_n_key_ratio_cate','top_n_value_ratio_cate'] LOOP
      PERFORM feature_ext._fe_agg(f, f, '"any", boolean, ' || k || ', bigint', '_agg_final_string');
    END LOOP;
    FOREACH f IN ARRAY ARRAY['top_n_key_avg_cate_where','top_n_value_avg_cate_where'] LOOP
      PERFORM feature_ext._fe_agg(f, f, 'float8, boolean, ' || k || ', bigint', '_agg_final_string');
    END LOOP;
    FOREACH t IN ARRAY cnum LOOP
      FOREACH f IN ARRAY ARRAY['sum','min','max'] LOOP
        PERFORM feature_ext._fe_agg(f || '_cate', f || '_cate', t || ', ' || k, '_agg_final_string');
        PERFORM feature_ext._fe_agg(f || '_cate_where', f || '_cate_where', t || ', boolean, ' || k, '_agg_final_string');
        PERFORM feature_ext._fe_agg('top_n_key_' || f || '_cate_where', 'top_n_key_' || f || '_cate_where',
                                    t || ', boolean, ' || k || ', bigint', '_agg_final_string');
        PERFORM feature_ext._fe_agg('top_n_value_' || f || '_cate_where', 'top_n_value_' || f || '_cate_where',
                                    t || ', boolean, ' || k || ', bigint', '_agg_final_string');
      END LOOP;
    END LOOP;
  END LOOP;

  PERFORM feature_ext._fe_agg('median', 'median', 'float8', '_agg_final_float8');
  PERFORM feature_ext._fe_agg('ew_avg', 'ew_avg', 'float8, float8', '_agg_final_float8');
  PERFORM feature_ext._fe_agg('drawdown', 'drawdown', 'float8', '_agg_final_float8');
  PERFORM feature_ext._fe_agg('window_split', 'window_split', 'text, text', '_agg_final_textarr');
  PERFORM feature_ext._fe_agg('window_split_by_key', 'window_split_by_key', 'text, text, text', '_agg_final_textarr');
  PERFORM feature_ext._fe_agg('window_split_by_value', 'window_split_by_value', 'text, text, text', '_agg_final_textarr');
  PERFORM feature_ext._fe_agg('join', 'join', 'text, text', '_agg_final_string');
END $fe$;

DROP FUNCTION feature_ext._fe_agg(text, text, text, text);
-- deploy(): request-mode feature functions (SPEC §4).

-- One row per deployment; dumped by pg_dump with the extension, so a restore
-- brings deployments back (their functions and result types are dumped as
-- ordinary objects and find their row by schema and name).
CREATE TABLE feature_ext.deployment (
    schema_name name        NOT NULL,
    name        name        NOT NULL,
    query       text        NOT NULL,
    options     jsonb       NOT NULL DEFAULT '{}',
    owner       name        NOT NULL,
    created     timestamptz NOT NULL DEFAULT now(),
    -- Native code compiled at deploy time (feature_ext.jit); loaded by each
    -- backend on its first call when jit_hash matches its plan and CPU.
    jit_object     bytea,
    jit_hash       bigint,
    jit_compile_ms float8,
    jit_aggregates int,
    -- The binding (docs/SECURITY.md): the query as PostgreSQL analysed it at
    -- deploy time, deparsed with every object qualified, and its table by
    -- OID (regclass: dumped by name, follows RENAME / SET SCHEMA).  Plans are
    -- made from these under a pinned search_path, never from `query`.
    bound_query text,
    relid       regclass,
    PRIMARY KEY (schema_name, name)
);
SELECT pg_catalog.pg_extension_config_dump('feature_ext.deployment', '');
-- Query texts and object code are not for everyone: read through
-- feature_ext.deployments, which shows a role the deployments it owns and
-- those over tables it may read.
REVOKE ALL ON feature_ext.deployment FROM PUBLIC;

CREATE FUNCTION feature_ext._deploy(name text, query text, options jsonb, replace bool,
                                    create_index bool, adjust_ttl bool) RETURNS text
  AS 'MODULE_PATHNAME', 'fe_deploy' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION feature_ext._undeploy(name text) RETURNS void
  AS 'MODULE_PATHNAME', 'fe_undeploy' LANGUAGE C STRICT VOLATILE;

-- deploy(name, query, options): compile a feature query into a function name(...).
-- Options: replace (bool) redeploys under the same name; create_index (bool)
-- creates missing skiplist indexes; adjust_ttl (bool) widens index TTLs that
-- are shorter than a window needs (never narrows; each change is a NOTICE).
CREATE FUNCTION feature_ext.deploy(name text, query text, options jsonb DEFAULT '{}') RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
DECLARE
    bad text;
BEGIN
    IF name IS NULL OR query IS NULL OR options IS NULL THEN
        RAISE EXCEPTION 'deploy() arguments must not be NULL' USING ERRCODE = '22004',
              HINT = 'feature_ext.deploy(''schema.name'', ''SELECT ...'', ''{}'').';
    END IF;
    IF jsonb_typeof(options) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'deploy options must be a JSON object' USING ERRCODE = '22023',
              HINT = 'For example ''{"replace": true}''.';
    END IF;
    SELECT string_agg(k, ', ') INTO bad FROM jsonb_object_keys(options) k WHERE k NOT IN ('replace', 'create_index', 'adjust_ttl');
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown deploy option: %', bad USING ERRCODE = '22023',
              HINT = 'Supported options: replace, create_index, adjust_ttl.';
    END IF;
    RETURN feature_ext._deploy(name, query, options, coalesce((options->>'replace')::bool, false),
                               coalesce((options->>'create_index')::bool, false),
                               coalesce((options->>'adjust_ttl')::bool, false));
END $$;
-- deploy() must resolve unqualified names in the caller's search_path.
ALTER FUNCTION feature_ext.deploy(text, text, jsonb) RESET search_path;

CREATE FUNCTION feature_ext.undeploy(name text) RETURNS void
  LANGUAGE sql VOLATILE AS $$ SELECT feature_ext._undeploy(name) $$;

-- Window modifiers of deployed queries, written in a window's PARTITION BY:
--   PARTITION BY card_id, feature_ext.maxsize(100)          at most the 100 newest rows of the frame
--   PARTITION BY card_id, feature_ext.exclude_current_time() ROWS frames count rows past the
--                                                            stored rows with the request's order value
-- (OpenMLDB's MAXSIZE and EXCLUDE CURRENT_TIME).  deploy() takes them out of the
-- partition; executed anywhere else they raise an error rather than silently
-- partitioning by a constant.
CREATE FUNCTION feature_ext.maxsize(n integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'feature_ext.maxsize() only has a meaning in the PARTITION BY of a deployed query'
        USING ERRCODE = '0A000',
              HINT = 'Deploy the query with feature_ext.deploy(), or use feature_ext.batch() for offline features.';
END $$;

CREATE FUNCTION feature_ext.exclude_current_time() RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'feature_ext.exclude_current_time() only has a meaning in the PARTITION BY of a deployed query'
        USING ERRCODE = '0A000',
              HINT = 'Deploy the query with feature_ext.deploy(), or use feature_ext.batch() for offline features.';
END $$;

-- explain(name, timing): the plan, which aggregates run as native code, and
-- compile / load times (timing => false leaves the times out, for tests).
CREATE FUNCTION feature_ext.explain(name text, timing boolean DEFAULT true) RETURNS text
  AS 'MODULE_PATHNAME', 'fe_explain' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION feature_ext.deployment_stats(OUT name text, OUT calls bigint, OUT mean_us float8, OUT p99_us float8)
  RETURNS SETOF record AS 'MODULE_PATHNAME', 'fe_deployment_stats' LANGUAGE C STRICT VOLATILE;

-- Deployments with their call statistics since server start or (re)deploy:
-- mean and p99 server-side latency in microseconds (p99 is the upper bound
-- of a log-scale histogram bucket, within 19%).
-- A role sees the deployments it owns (or whose owner it is a member of)
-- and those over tables it may SELECT from.
CREATE VIEW feature_ext.deployments WITH (security_barrier) AS
SELECT pg_catalog.format('%s.%s', d.schema_name, d.name) AS name, d.query, d.options, d.owner, d.created,
       COALESCE(s.calls, 0) AS calls, s.mean_us, s.p99_us
  FROM feature_ext.deployment d
  LEFT JOIN feature_ext.deployment_stats() s
         ON s.name OPERATOR(pg_catalog.=) pg_catalog.format('%s.%s', d.schema_name, d.name)
 WHERE pg_catalog.pg_has_role(d.owner, 'USAGE')
    OR (d.relid IS NOT NULL AND pg_catalog.has_table_privilege(d.relid, 'SELECT'));
GRANT SELECT ON feature_ext.deployments TO PUBLIC;

-- DROP TABLE ... CASCADE (or DROP FUNCTION) removed a deployment's request
-- function: its catalog row goes too (the result type stays, owned by the
-- deployment's owner, who may drop it).
CREATE FUNCTION feature_ext._forget_dropped_deployments() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() o
              WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass) THEN
    DELETE FROM feature_ext.deployment d
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
                        WHERE n.nspname OPERATOR(pg_catalog.=) d.schema_name AND p.proname OPERATOR(pg_catalog.=) d.name
                          AND p.prosrc OPERATOR(pg_catalog.=) 'fe_deploy_call');
  END IF;
END $$;
CREATE EVENT TRIGGER feature_ext_forget_dropped_deployments ON sql_drop
  EXECUTE FUNCTION feature_ext._forget_dropped_deployments();

-- Offline features: for every source row, the deployment's features as if it
-- were a request against the source rows before it.  Each deployment also
-- has <name>_batch(source text DEFAULT NULL) returning typed rows; this form
-- needs a column list: SELECT * FROM feature_ext.batch('f', 'txn') AS (...).
CREATE FUNCTION feature_ext.batch(deployment text, source text DEFAULT NULL) RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'fe_batch_named' LANGUAGE C CALLED ON NULL INPUT VOLATILE;
