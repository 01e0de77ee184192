-- Training sets from a label table (SPEC §5.1): each source row (a table or
-- a query: the deployment's key and order columns, anything else such as a
-- label) with the deployment's features as of its own time, computed
-- against the deployment's table whatever the order its rows were inserted
-- in (mode 'as_of'), or replayed in source order as batch() does (mode
-- 'insertion').  Returns the source's columns then the features; PostgreSQL
-- needs them as a column list, which training_set_columns() writes:
--   SELECT * FROM feature_ext.training_set('fraud_v1', 'labels') AS t(...);
-- Runs as the caller (the source query too).  progress: a NOTICE every that
-- many rows (0: none).
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
