-- Run once by the official image's entrypoint on a new data directory:
-- the extension in the database it creates ($POSTGRES_DB, default postgres).
CREATE EXTENSION IF NOT EXISTS feature_ext;
SELECT feature_ext.version();
