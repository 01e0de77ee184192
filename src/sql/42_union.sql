
-- Union windows (SPEC §4.1; docs/DEPLOY.md, "Union windows"), written in a
-- window's PARTITION BY like feature_ext.maxsize(n):
--   PARTITION BY card_id, feature_ext.window_union('txn_archive'::regclass)
--       the window also holds that table's rows of the key (one call per table,
--       in tie order; OpenMLDB's WINDOW w AS (UNION t2, t3 ...))
--   PARTITION BY card_id, feature_ext.instance_not_in_window()
--       the main table's stored rows are left out: the union tables' rows plus
--       the request row (OpenMLDB's INSTANCE_NOT_IN_WINDOW)
-- deploy() takes them out of the partition and binds the tables by OID;
-- executed anywhere else they raise an error.
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
