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
