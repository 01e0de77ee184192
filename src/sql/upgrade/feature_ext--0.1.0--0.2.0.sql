-- feature_ext 0.1.0 -> 0.2.0 (ALTER EXTENSION feature_ext UPDATE).
\echo Use "ALTER EXTENSION feature_ext UPDATE" to load this file. \quit

-- Deployments keep their analysed query by OID, so plans follow renamed
-- columns, functions and schemas (docs/SECURITY.md, "How a deployment is
-- bound").  Deployments made by 0.1.0 have none: they keep working from
-- bound_query, and get one when redeployed with '{"replace": true}'.
ALTER TABLE feature_ext.deployment ADD COLUMN bound_tree text;

-- After a restart the indexes load in the background (state 'loading',
-- 'failed'); the view's text is unchanged.
