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
-- may SELECT (index_stats_raw() filters the same way).  state: 'ready';
-- after a restart 'not loaded', then 'loading' (rows_in_memory grows) while
-- the background loader reads it; 'failed' when it did not fit in
-- feature_ext.memory_limit (inserts into its table then fail with 53200).
-- (Skiplist indexes found by is_skiplist_index(), not by a join with
-- pg_class: Citus hides its shards' pg_class rows, see functions_pg.cpp.)
CREATE FUNCTION feature_ext.is_skiplist_index(pg_catalog.oid) RETURNS boolean
  AS 'MODULE_PATHNAME', 'fe_is_skiplist_index' LANGUAGE C STRICT STABLE PARALLEL SAFE;
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
  LEFT JOIN feature_ext.index_stats_raw() s ON s.index_oid OPERATOR(pg_catalog.=) i.indexrelid
 WHERE feature_ext.is_skiplist_index(i.indexrelid)
   AND pg_catalog.has_table_privilege(i.indrelid, 'SELECT'::pg_catalog.text);
GRANT SELECT ON feature_ext.index_stats TO PUBLIC;

-- Totals of the shared region.  Where free_bytes is (docs/STORAGE.md,
-- "Memory"): never-used memory, class free lists, whole free row segments,
-- and bytes in row segments that only the cleaner makes usable again
-- (segment_dead_bytes: the fragmentation figure); runs per key after the last
-- compaction pass (every ready index).
CREATE FUNCTION feature_ext.memory_usage(
    OUT total_bytes bigint, OUT used_bytes bigint, OUT free_bytes bigint,
    OUT reclaimable_bytes bigint, OUT indexes int,
    OUT never_used_bytes bigint, OUT free_list_bytes bigint, OUT free_segment_bytes bigint,
    OUT segment_dead_bytes bigint, OUT runs_per_key_max bigint, OUT runs_per_key_avg float8)
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
