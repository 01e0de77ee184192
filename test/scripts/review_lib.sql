-- The review scripts' checks (included with \ir by test/scripts/review_*.sql):
-- chk(name, got, want) prints "ok NAME" or "BUG NAME: observed ... / expected ...";
-- sqlstate_of(q) runs q and returns its SQLSTATE ('no error' when none).
CREATE FUNCTION chk(name text, got text, want text) RETURNS text LANGUAGE sql AS
  $$ SELECT CASE WHEN got IS NOT DISTINCT FROM want THEN 'ok ' || name
                 ELSE 'BUG ' || name || ': observed ' || coalesce(got, 'NULL') || ' / expected ' || coalesce(want, 'NULL') END $$;
CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS OR query_canceled THEN RETURN SQLSTATE; END $$;
