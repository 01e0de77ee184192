-- pg_window_plpgsql_crash.sql: a PostgreSQL bug, no feature_ext involved.
-- NOT part of the suite (it crashes the backend on purpose).
--
-- Run:  psql -X -d postgres -f test/scripts/pg_window_plpgsql_crash.sql
-- Observed 2026-12-05 (no extension loaded, fresh initdb):
--   Debian 15.20-0+deb12u1: the backend dies in the FIRST SELECT (SIGSEGV in
--     memcpy <- datumCopy <- SPI_datumTransfer <- plpgsql_exec_function).
--   Debian 17.12-0+deb13u1 and 18.6-3 (other chunk-header layout): the first
--     SELECT answers right; the SECOND (a sweep over lengths) dies, SIGSEGV.
--   A 15.18 --enable-cassert build (24-byte chunk headers) answers both
--     right: the bug needs an address coincidence (below), layout-dependent.
--
-- Cause: nodeWindowAgg.c advance_windowaggregate() (15.20 = 15.18 there,
-- lines 365-403; unchanged in master) keeps the Datum the transition
-- function returned even when it returned NULL:
--     peraggstate->transValue = newVal; transValueIsNull = fcinfo->isnull;
-- A PL/pgSQL function that returns a NULL variable returns that variable's
-- stale Datum (here: `RETURN b` with b NULL; b's Datum is the argument
-- expression's previous value -- upper() is strict and leaves its result
-- slot untouched for a NULL input -- i.e. a pointer into the window's
-- per-row context, freed since).  On a later row the transition function
-- returns a non-NULL value that PL/pgSQL copied into that same per-row
-- context and that lands at the same address; the test
--     if (DatumGetPointer(newVal) != DatumGetPointer(peraggstate->transValue))
-- then takes "transfn returned its first input", so the value is NOT copied
-- into the aggregate context.  transValue now points into the per-row
-- context, which is reset after the row: the next row passes freed memory
-- as the state and pfree()s it -> crash / "double free or corruption".
-- nodeAgg.c has the fix (ExecAggTransReparent sets a NULL transValue to 0,
-- see the comment "It's safe to compare newVal with pergroup->transValue
-- without regard for either being NULL"); nodeWindowAgg.c lacks it.
-- Fix (checked on a 15.18 build: both SELECTs answer right, the original
-- 36-line sequence too), at the end of advance_windowaggregate():
--   -	peraggstate->transValue = newVal;
--   +	peraggstate->transValue = fcinfo->isnull ? (Datum) 0 : newVal;
-- A cassert build shows the dangling pfree directly (second SELECT, run
-- after the first in one session): SIGSEGV in GetMemoryChunkContext <- pfree
-- <- advance_windowaggregate (nodeWindowAgg.c:397, pfree of transValue), the
-- pointer inside the keeper block of the per-row "ExprContext", its chunk
-- header 0x7f7f7f7f7f7f7f7f (CLOBBER_FREED_MEMORY after the reset).
--
-- The lengths are chosen for 16-byte chunk headers (no MEMORY_CONTEXT_CHECKING)
-- and lc_ctype "C" (COLLATE "C"):
--   row 1 (partition 1): upper() of 40 chars: cstring at A, text at A+80
--                        -> the argument's stale Datum is A+80
--   row 2 (partition 2, first row): NULL -> keep(NULL, NULL) returns NULL
--                        carrying A+80 -> transValue = A+80 (NULL)
--   row 3: upper() of 14 chars: cstring at A (16), text at A+32 (32),
--          PL/pgSQL's copy of the result at A+80 == transValue -> not copied
--   row 4: the state passed to keep() is freed memory overwritten by row 4's
--          upper() -> PL/pgSQL copies a garbage varlena -> SIGSEGV.
CREATE FUNCTION keep(a text, b text) RETURNS text LANGUAGE plpgsql
  AS 'BEGIN IF a IS NULL THEN RETURN b; END IF; RETURN a; END';
CREATE AGGREGATE agg_keep(text) (sfunc = keep, stype = text);
SELECT p, i, agg_keep(upper(s COLLATE "C")) OVER (PARTITION BY p ORDER BY i) AS r
FROM (VALUES (1, 1, repeat('w', 40)), (2, 2, NULL), (2, 3, repeat('y', 14)),
             (2, 4, repeat('z', 100)), (2, 5, repeat('v', 100))) v(p, i, s);
-- expected (and what a fixed server prints): p=1 WWW...; p=2: NULL, then YYYYYYYYYYYYYY thrice
-- The same over 5,200 partitions of lengths (lw, ly): some combination hits
-- the coincidence on any chunk-header layout.  want = the right answer;
-- a fixed server prints 0.
SELECT count(*) FILTER (WHERE r IS DISTINCT FROM want) AS wrong FROM (
  SELECT agg_keep(upper(s COLLATE "C")) OVER (PARTITION BY p ORDER BY o) AS r,
         CASE WHEN o = 1 THEN NULL ELSE upper(repeat('y', p % 100)) END AS want
    FROM (SELECT lw * 100 + ly AS p, o,
                 CASE o WHEN 1 THEN NULL WHEN 2 THEN repeat('y', ly)
                        WHEN 3 THEN repeat('z', 100) ELSE repeat('w', lw) END AS s
            FROM generate_series(1, 130) lw, generate_series(1, 40) ly,
                 generate_series(1, 4) o) sw) x;
SELECT 'alive';
