-- Roles of the security suite: an administrator installs the extension;
-- alice owns tables and deployments; mallory has no grants at all.
CREATE EXTENSION feature_ext;
CREATE ROLE alice LOGIN;
CREATE ROLE mallory LOGIN;
CREATE SCHEMA alice AUTHORIZATION alice;
GRANT CREATE ON SCHEMA public TO alice, mallory;
SELECT current_database() AS db \gset
GRANT CREATE ON DATABASE :"db" TO alice, mallory;
