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
-- Internal (Citus; docs/DEPLOY.md "batch() and training_set() on the shards'
-- nodes"): what one node computes of batch() / training_set() of a source
-- query over a deployment of a distributed table: the source's rows whose key
-- one of `shards` (shards of the table this node holds) holds, each shard's
-- rows against that shard (mode 'batch', 'as_of' or 'insertion'), the source
-- read under the caller's settings (`settings`: name, value, name, value ...:
-- search_path, DateStyle, TimeZone, ...).  As the caller; the calling node
-- sends each node its shards.
CREATE FUNCTION feature_ext.citus_source_shards(deployment text, shards text[], source text, settings text[],
                                                mode text) RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'fe_citus_source_shards' LANGUAGE C CALLED ON NULL INPUT VOLATILE;
CREATE FUNCTION feature_ext.citus_source_shards(deployment text, shards text[], source text, settings text[],
                                                row_type anyelement, mode text) RETURNS SETOF anyelement
  AS 'MODULE_PATHNAME', 'fe_citus_source_shards_typed' LANGUAGE C CALLED ON NULL INPUT VOLATILE;

-- key_owner(), cluster_run(), cluster_index_stats(), cluster_memory_usage() (src/sql/50_citus.sql)
-- Citus (SPEC §9): which node holds a key of a distributed table, so that a
-- high-rate client can send the key's requests and writes to that worker
-- directly (test/clients/citus_route.py routes by it).  Citus's own
-- functions and catalogs, schema-qualified, under a pinned search_path;
-- runs with the caller's rights (Citus's catalogs are readable by all).
-- Not a Citus table (or no Citus here): SQLSTATE 0A000 with a hint.
CREATE FUNCTION feature_ext.key_owner(tab regclass, key anyelement,
                                      OUT shard_id bigint, OUT shard_table text,
                                      OUT node_name text, OUT node_port integer)
  RETURNS record LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  kind "char";
BEGIN
  IF tab IS NULL THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
    RAISE EXCEPTION 'table "%" is not distributed: Citus is not installed in this database', tab
      USING ERRCODE = 'feature_not_supported',
            HINT = 'key_owner() answers for Citus distributed tables; on a single server every key is here.';
  END IF;
  EXECUTE 'SELECT partmethod FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1'
    INTO kind USING tab;
  IF kind IS NULL OR kind NOT IN ('h', 'n') THEN
    RAISE EXCEPTION 'table "%" is not a hash-distributed or reference Citus table', tab
      USING ERRCODE = 'feature_not_supported',
            HINT = 'Distribute it with create_distributed_table(); a local table''s keys are all on this node.';
  END IF;
  EXECUTE 'SELECT pg_catalog.get_shard_id_for_distribution_column($1, $2)' INTO shard_id USING tab, key;
  EXECUTE 'SELECT pg_catalog.shard_name($1, $2)' INTO shard_table USING tab, shard_id;
  -- The active primary that holds the shard (a reference table's: the first
  -- by node id; every primary holds one).
  EXECUTE 'SELECT n.nodename::text, n.nodeport
             FROM pg_catalog.pg_dist_placement p
             JOIN pg_catalog.pg_dist_node n ON n.groupid OPERATOR(pg_catalog.=) p.groupid
            WHERE p.shardid OPERATOR(pg_catalog.=) $1 AND n.isactive AND n.noderole OPERATOR(pg_catalog.=) ''primary''
            ORDER BY n.nodeid LIMIT 1'
    INTO node_name, node_port USING shard_id;
  RETURN;
END
$fn$;

-- The cluster's skiplist indexes and shared memory, from any node of a
-- Citus cluster (the coordinator: every worker's shard indexes): index_stats
-- and memory_usage() of every active primary node, run there as the caller
-- (Citus connects as the current user: each node's grants decide which
-- indexes are listed).  A node that cannot be reached is an error.
-- cluster_run(command): the command's one-value result from every active
-- primary node, as the caller (what Citus's run_command_on_all_nodes does,
-- with the node's name and port).
CREATE FUNCTION feature_ext.cluster_run(command text, OUT node_name text, OUT node_port integer, OUT result text)
  RETURNS SETOF record LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
    RAISE EXCEPTION 'Citus is not installed in this database'
      USING ERRCODE = 'feature_not_supported',
            HINT = 'On a single server, read feature_ext.index_stats and feature_ext.memory_usage().';
  END IF;
  FOR r IN EXECUTE
    'SELECT coalesce(n.nodename, pg_catalog.current_setting(''citus.local_hostname'')) AS name,
            coalesce(n.nodeport, pg_catalog.current_setting(''port'')::pg_catalog.int4) AS port,
            a.success, a.result
       FROM pg_catalog.run_command_on_all_nodes($1) a
       LEFT JOIN pg_catalog.pg_dist_node n ON n.nodeid OPERATOR(pg_catalog.=) a.nodeid
      ORDER BY 1, 2' USING command
  LOOP
    IF NOT r.success THEN
      RAISE EXCEPTION 'node %:% did not answer: %', r.name, r.port, r.result
        USING ERRCODE = 'connection_failure';
    END IF;
    node_name := r.name;
    node_port := r.port;
    result := r.result;
    RETURN NEXT;
  END LOOP;
END
$fn$;

CREATE FUNCTION feature_ext.cluster_index_stats(
    OUT node_name text, OUT node_port integer, OUT index_name text, OUT table_name text,
    OUT keys bigint, OUT rows_in_memory bigint, OUT bytes_used bigint, OUT rows_expired bigint,
    OUT last_gc timestamptz, OUT state text)
  RETURNS SETOF record LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT c.node_name, c.node_port, x.index_name, x.table_name, x.keys, x.rows_in_memory, x.bytes_used,
         x.rows_expired, x.last_gc, x.state
    FROM feature_ext.cluster_run('SELECT coalesce(pg_catalog.json_agg(s), ''[]'') FROM feature_ext.index_stats s') c,
         pg_catalog.json_to_recordset(c.result::pg_catalog.json)
           AS x(index_name text, table_name text, keys bigint, rows_in_memory bigint, bytes_used bigint,
                rows_expired bigint, last_gc timestamptz, state text)
   ORDER BY 1, 2, 3;
END;

CREATE FUNCTION feature_ext.cluster_memory_usage(
    OUT node_name text, OUT node_port integer,
    OUT total_bytes bigint, OUT used_bytes bigint, OUT free_bytes bigint,
    OUT reclaimable_bytes bigint, OUT indexes int)
  RETURNS SETOF record LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT c.node_name, c.node_port, x.total_bytes, x.used_bytes, x.free_bytes, x.reclaimable_bytes, x.indexes
    FROM feature_ext.cluster_run('SELECT pg_catalog.row_to_json(m) FROM feature_ext.memory_usage() m') c,
         pg_catalog.json_to_record(c.result::pg_catalog.json)
           AS x(total_bytes bigint, used_bytes bigint, free_bytes bigint, reclaimable_bytes bigint, indexes int)
   ORDER BY 1, 2;
END;

-- Union windows (src/sql/42_union.sql).
CREATE FUNCTION feature_ext.window_union(source regclass) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'feature_ext.window_union() only has a meaning in the PARTITION BY of a deployed query'
        USING ERRCODE = '0A000',
              HINT = 'Deploy the query with feature_ext.deploy().';
END $$;

-- feature_ext.window_union(rel, 'a, b AS c'): the table's columns a and b
-- stand for the main table's a and c (the PostgreSQL dialect's UNION ALL
-- branches and OpenMLDB's UNION (SELECT a, b AS c FROM t) become this).
CREATE FUNCTION feature_ext.window_union(source regclass, columns text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'feature_ext.window_union() only has a meaning in the PARTITION BY of a deployed query'
        USING ERRCODE = '0A000',
              HINT = 'Deploy the query with feature_ext.deploy().';
END $$;

-- feature_ext.window_union(rel, 'a, b, x, last join u', 'u'::regclass):
-- OpenMLDB's UNION (SELECT a, b, x FROM rel LAST JOIN u ... ON ...); the
-- listed columns rel has not are u's (accepted while no window function
-- reads them: docs/DEPLOY.md "Union windows over a LAST JOIN's result").
CREATE FUNCTION feature_ext.window_union(source regclass, columns text, last_join regclass) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'feature_ext.window_union() only has a meaning in the PARTITION BY of a deployed query'
        USING ERRCODE = '0A000',
              HINT = 'Deploy the query with feature_ext.deploy().';
END $$;

CREATE FUNCTION feature_ext.instance_not_in_window() RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'feature_ext.instance_not_in_window() only has a meaning in the PARTITION BY of a deployed query'
        USING ERRCODE = '0A000',
              HINT = 'Deploy the query with feature_ext.deploy().';
END $$;

-- A rename (of a table, a column, a schema, a function, a type ...) is
-- followed by every plan (the bound tree holds objects by OID), but a dump
-- carries bound_query, the text: keep it naming the objects as they are
-- called now, so that a restore binds the same tables and columns
-- (docs/SECURITY.md, "How a deployment is bound").  A deployment whose text
-- cannot be made keeps the one it has (and a WARNING says so).
CREATE FUNCTION feature_ext._bound_text(tree text) RETURNS text
  AS 'MODULE_PATHNAME', 'fe_bound_text' LANGUAGE C STRICT STABLE;
REVOKE ALL ON FUNCTION feature_ext._bound_text(text) FROM PUBLIC;
CREATE FUNCTION feature_ext._follow_renames() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  t text;
BEGIN
  -- Only deployments whose functions depend on what the command changed
  -- (a table or its column, a function, a type ...: recorded at deploy);
  -- every one when it changed a schema or an extension, which moves what
  -- the query names without being one of its dependencies.
  FOR r IN SELECT d.schema_name, d.name, d.bound_tree, d.bound_query FROM feature_ext.deployment d
            WHERE d.bound_tree IS NOT NULL
              AND (EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_ddl_commands() c
                            WHERE c.classid NOT IN ('pg_catalog.pg_class'::pg_catalog.regclass,
                                                    'pg_catalog.pg_proc'::pg_catalog.regclass,
                                                    'pg_catalog.pg_type'::pg_catalog.regclass,
                                                    'pg_catalog.pg_operator'::pg_catalog.regclass,
                                                    'pg_catalog.pg_collation'::pg_catalog.regclass))
                   OR EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_ddl_commands() c
                                JOIN pg_catalog.pg_depend dep ON dep.refclassid = c.classid AND dep.refobjid = c.objid
                                JOIN pg_catalog.pg_proc p ON dep.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                                         AND p.oid = dep.objid
                                JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                               WHERE n.nspname = d.schema_name AND p.proname IN (d.name, d.name || '_batch')))
  LOOP
    BEGIN
      t := feature_ext._bound_text(r.bound_tree);
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'the bound text of deployment %.% was not brought up to date: %', r.schema_name, r.name, SQLERRM
        USING HINT = 'A dump of this database would restore it with the names it had before this command; redeploy it with ''{"replace": true}''.';
      t := NULL;
    END;
    IF t IS NOT NULL AND t IS DISTINCT FROM r.bound_query THEN
      BEGIN
        UPDATE feature_ext.deployment d SET bound_query = t
         WHERE d.schema_name OPERATOR(pg_catalog.=) r.schema_name AND d.name OPERATOR(pg_catalog.=) r.name;
      EXCEPTION WHEN serialization_failure THEN
        -- a snapshot older than a committed rename (REPEATABLE READ): that
        -- rename's own trigger brought the text up to date; this command
        -- (perhaps unrelated to the deployment) must not fail for it
        NULL;
      END;
    END IF;
  END LOOP;
END $$;
CREATE EVENT TRIGGER feature_ext_follow_renames ON ddl_command_end
  WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA', 'ALTER FUNCTION', 'ALTER PROCEDURE', 'ALTER ROUTINE',
               'ALTER AGGREGATE', 'ALTER TYPE', 'ALTER DOMAIN', 'ALTER COLLATION', 'ALTER OPERATOR',
               'ALTER EXTENSION')
  EXECUTE FUNCTION feature_ext._follow_renames();

-- A deployment row that arrives from elsewhere (pg_restore's COPY of this
-- catalog) is bound here as deploy() binds it: its bound text analysed in
-- this database becomes its bound tree, and its functions and result type
-- get the dependencies a dump does not carry (on its tables, columns,
-- functions and types, and on the extension).  rebind_deployments() does the
-- same for rows no INSERT brought (a catalog carried over by pg_upgrade);
-- run it once as a superuser after such an upgrade.  Rows deploy() writes
-- are bound already (nothing is done).
CREATE FUNCTION feature_ext._rebind(name, name, text, text, pg_catalog.oid) RETURNS boolean
  AS 'MODULE_PATHNAME', 'fe_rebind' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION feature_ext._rebind(name, name, text, text, pg_catalog.oid) FROM PUBLIC;
CREATE FUNCTION feature_ext._bind_inserted_deployment() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  BEGIN
    PERFORM feature_ext._rebind(NEW.schema_name, NEW.name, NEW.bound_query, NEW.bound_tree, NEW.relid);
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'deployment %.% was restored without its bindings: %', NEW.schema_name, NEW.name, SQLERRM
      USING HINT = 'Its plans parse its bound text; once what it reads exists, run SELECT feature_ext.rebind_deployments() as a superuser, or redeploy it.';
  END;
  RETURN NULL;
END $$;
CREATE TRIGGER bind_inserted AFTER INSERT ON feature_ext.deployment
  FOR EACH ROW EXECUTE FUNCTION feature_ext._bind_inserted_deployment();
CREATE FUNCTION feature_ext.rebind_deployments() RETURNS integer
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  FOR r IN SELECT d.schema_name, d.name, d.bound_query, d.bound_tree, d.relid FROM feature_ext.deployment d LOOP
    IF feature_ext._rebind(r.schema_name, r.name, r.bound_query, r.bound_tree, r.relid) THEN
      n := n OPERATOR(pg_catalog.+) 1;
    END IF;
  END LOOP;
  RETURN n;
END $$;
REVOKE ALL ON FUNCTION feature_ext.rebind_deployments() FROM PUBLIC;

-- Pre-aggregation in this session (docs/DEPLOY.md, "Long windows"): block
-- summaries that requests took instead of rows, and the rows they stood for.
CREATE FUNCTION feature_ext.preagg_stats(OUT blocks_taken bigint, OUT rows_taken bigint)
  RETURNS record AS 'MODULE_PATHNAME', 'fe_preagg_stats' LANGUAGE C STRICT VOLATILE;

-- deploy(): the long_windows option (OpenMLDB's DEPLOY ... OPTIONS(long_windows=...)).
CREATE OR REPLACE FUNCTION feature_ext.deploy(name text, query text, options jsonb DEFAULT '{}') RETURNS text
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
    SELECT string_agg(k, ', ') INTO bad FROM jsonb_object_keys(options) k WHERE k NOT IN ('replace', 'create_index', 'adjust_ttl', 'long_windows', 'float_sums');
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown deploy option: %', bad USING ERRCODE = '22023',
              HINT = 'Supported options: replace, create_index, adjust_ttl, long_windows, float_sums.';
    END IF;
    RETURN feature_ext._deploy(name, query, options, coalesce((options->>'replace')::bool, false),
                               coalesce((options->>'create_index')::bool, false),
                               coalesce((options->>'adjust_ttl')::bool, false));
END $$;
-- deploy() must resolve unqualified names in the caller's search_path.
ALTER FUNCTION feature_ext.deploy(text, text, jsonb) RESET search_path;

-- A deployment forgotten after DROP ... CASCADE: its result type goes too.
CREATE OR REPLACE FUNCTION feature_ext._forget_dropped_deployments() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  dep record;
  typ record;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() o
              WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass) THEN
    FOR dep IN
      DELETE FROM feature_ext.deployment d
       WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
                          WHERE n.nspname OPERATOR(pg_catalog.=) d.schema_name AND p.proname OPERATOR(pg_catalog.=) d.name
                            AND p.prosrc OPERATOR(pg_catalog.=) 'fe_deploy_call')
      RETURNING d.schema_name, d.name
    LOOP
      FOR typ IN
        SELECT t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace
         WHERE n.nspname OPERATOR(pg_catalog.=) dep.schema_name
           AND t.typname OPERATOR(pg_catalog.=) (dep.name OPERATOR(pg_catalog.||) '_result')
           AND t.typtype OPERATOR(pg_catalog.=) 'c'
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend dp
                        WHERE dp.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
                          AND dp.objid OPERATOR(pg_catalog.=) t.oid
                          AND dp.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
                          AND dp.refobjid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                                                   WHERE e.extname OPERATOR(pg_catalog.=) 'feature_ext'))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.prorettype OPERATOR(pg_catalog.=) t.oid)
      LOOP
        BEGIN
          EXECUTE pg_catalog.format('DROP TYPE %s', typ.oid::pg_catalog.regtype);
        EXCEPTION WHEN dependent_objects_still_exist THEN
          NULL;  -- something else uses it: its owner may drop it
        END;
      END LOOP;
    END LOOP;
  END IF;
END $$;
