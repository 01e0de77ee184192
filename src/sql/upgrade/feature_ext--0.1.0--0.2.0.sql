-- feature_ext 0.1.0 -> 0.2.0 (ALTER EXTENSION feature_ext UPDATE).
\echo Use "ALTER EXTENSION feature_ext UPDATE" to load this file. \quit

-- Deployments keep their analysed query by OID, so plans follow renamed
-- columns, functions and schemas (docs/SECURITY.md, "How a deployment is
-- bound").  Deployments made by 0.1.0 have none: they keep working from
-- bound_query, and get one when redeployed with '{"replace": true}'.
ALTER TABLE feature_ext.deployment ADD COLUMN bound_tree text;

-- After a restart the indexes load in the background (state 'loading',
-- 'failed').  index_stats finds skiplist indexes without joining pg_class
-- (Citus hides its shards' rows there, so a worker showed no shard index).
CREATE FUNCTION feature_ext.is_skiplist_index(pg_catalog.oid) RETURNS boolean
  AS 'MODULE_PATHNAME', 'fe_is_skiplist_index' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE OR REPLACE VIEW feature_ext.index_stats AS
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

-- memory_usage() shows where the free bytes are and the runs per key
-- (docs/STORAGE.md, "Memory"); OUT columns cannot be added in place.
DROP FUNCTION feature_ext.memory_usage();
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

-- Training sets from a label table (SPEC §5.1; src/sql/45_training.sql).
CREATE FUNCTION feature_ext.training_set(deployment text, source text, mode text DEFAULT 'as_of',
                                         progress bigint DEFAULT 1000000) RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'fe_training_set' LANGUAGE C CALLED ON NULL INPUT VOLATILE;
CREATE FUNCTION feature_ext.training_set_columns(deployment text, source text) RETURNS text
  AS 'MODULE_PATHNAME', 'fe_training_set_columns' LANGUAGE C CALLED ON NULL INPUT VOLATILE;
-- Typed rows without a column list: row_type (NULL::a_table or NULL::a_type)
-- names the columns wanted, from the source's columns and the features by name:
--   INSERT INTO train SELECT * FROM feature_ext.training_set('fraud_v1', 'labels', NULL::train);
CREATE FUNCTION feature_ext.training_set(deployment text, source text, row_type anyelement, mode text DEFAULT 'as_of',
                                         progress bigint DEFAULT 1000000) RETURNS SETOF anyelement
  AS 'MODULE_PATHNAME', 'fe_training_set_typed' LANGUAGE C CALLED ON NULL INPUT VOLATILE;
