-- Loads the extension for the rest of the suite.
CREATE EXTENSION feature_ext;
SELECT feature_ext.version();
