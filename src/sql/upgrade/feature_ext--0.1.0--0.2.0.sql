-- feature_ext 0.1.0 -> 0.2.0 (ALTER EXTENSION feature_ext UPDATE).
\echo Use "ALTER EXTENSION feature_ext UPDATE" to load this file. \quit

-- Deployments keep their analysed query by OID, so plans follow renamed
-- columns, functions and schemas (docs/SECURITY.md, "How a deployment is
-- bound").  Deployments made by 0.1.0 have none: they keep working from
-- bound_query, and get one when redeployed with '{"replace": true}'.
ALTER TABLE feature_ext.deployment ADD COLUMN bound_tree text;

-- After a restart the indexes load in the background (state 'loading',
-- 'failed'); the view's text is unchanged.

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
