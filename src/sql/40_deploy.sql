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
    -- bound_tree: the analysed query itself (objects by OID, as a view's
    -- rule), prefixed "system identifier/database OID/major:"; in this
    -- database on this server every plan is made from it (renamed columns,
    -- functions and schemas follow, as in a view); elsewhere (a restore,
    -- pg_upgrade) bound_query is used.
    bound_query text,
    relid       regclass,
    bound_tree  text,
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
-- function: its catalog row goes too, and so does its result type, which
-- depends on the deployment's table only (a union or joined table dropped
-- with CASCADE would leave it behind, and the table's DROP would then refuse
-- for it): a composite type feature_ext made (it depends on the extension),
-- named <name>_result, that no function returns any more; kept if anything
-- else depends on it.
CREATE FUNCTION feature_ext._forget_dropped_deployments() RETURNS event_trigger
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
CREATE EVENT TRIGGER feature_ext_forget_dropped_deployments ON sql_drop
  EXECUTE FUNCTION feature_ext._forget_dropped_deployments();

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

-- Offline features: for every source row, the deployment's features as if it
-- were a request against the source rows before it.  Each deployment also
-- has <name>_batch(source text DEFAULT NULL) returning typed rows; this form
-- needs a column list: SELECT * FROM feature_ext.batch('f', 'txn') AS (...).
CREATE FUNCTION feature_ext.batch(deployment text, source text DEFAULT NULL) RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'fe_batch_named' LANGUAGE C CALLED ON NULL INPUT VOLATILE;

-- Pre-aggregation in this session (docs/DEPLOY.md, "Long windows"): block
-- summaries that requests took instead of rows, and the rows they stood for.
CREATE FUNCTION feature_ext.preagg_stats(OUT blocks_taken bigint, OUT rows_taken bigint)
  RETURNS record AS 'MODULE_PATHNAME', 'fe_preagg_stats' LANGUAGE C STRICT VOLATILE;
