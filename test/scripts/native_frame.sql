-- native_frame(frame, tbl, k, ts, extra): what a review script's native
-- window query (PostgreSQL's executor over the key's stored rows up to ts
-- plus the request as the last of its peers, ordered by ts, seq) needs to
-- compute ONLY the request's answer cheaply.  PostgreSQL aggregates every
-- row's frame; with a moving frame start or an EXCLUDE clause it starts
-- each row's aggregate from scratch (quadratic: minutes for 6,000 rows).
-- The request is the last row fed, so feeding exactly its frame's stored
-- rows and an equivalent frame the executor computes incrementally gives
-- the same answer, the same rows aggregated in the same order:
--   ROWS n PRECEDING     the newest n stored rows (by ts, seq) that pass extra
--   RANGE n PRECEDING    the stored rows with ts >= request ts - n
--   EXCLUDE TIES / GROUP the stored peers (ts = request ts) left out
-- over ROWS UNBOUNDED PRECEDING, or ROWS BETWEEN UNBOUNDED PRECEDING AND 1
-- PRECEDING when the request itself is excluded (EXCLUDE CURRENT ROW /
-- GROUP).  Frames of another shape, and unbounded frames without EXCLUDE
-- (already incremental), come back unchanged (rewritten = false).
-- Included by the review scripts with \ir; tbl must have k, ts, seq.
CREATE FUNCTION native_frame(frame text, tbl text, k text, ts int8, extra text,
                             OUT extra_out text, OUT frame_out text, OUT rewritten bool)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  f text := upper(btrim(regexp_replace(frame, '\s+', ' ', 'g')));
  m text[]; excl text := ''; n int8; mode text;
BEGIN
  extra_out := extra; frame_out := frame; rewritten := false;
  m := regexp_match(f, '^(.*?)(?: EXCLUDE (CURRENT ROW|TIES|GROUP|NO OTHERS))?$');
  f := m[1]; excl := coalesce(m[2], '');
  m := regexp_match(f, '^(ROWS|RANGE) (?:BETWEEN )?(UNBOUNDED|\d+) PRECEDING(?: AND CURRENT ROW)?$');
  IF m IS NULL OR (m[2] = 'UNBOUNDED' AND excl IN ('', 'NO OTHERS')) THEN
    RETURN;
  END IF;
  mode := m[1];
  IF m[2] <> 'UNBOUNDED' THEN
    n := m[2]::int8;
    IF mode = 'ROWS' THEN
      extra_out := format('%s AND seq IN (SELECT seq FROM %s WHERE k = %L AND ts <= %s AND %s ORDER BY ts DESC, seq DESC LIMIT %s)',
                          extra, tbl, k, ts, extra, n);
    ELSE
      extra_out := format('%s AND ts >= %s', extra, ts - n);
    END IF;
  END IF;
  IF excl IN ('TIES', 'GROUP') THEN
    extra_out := format('%s AND ts < %s', extra_out, ts);
  END IF;
  frame_out := CASE WHEN excl IN ('CURRENT ROW', 'GROUP') THEN 'ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING'
                    ELSE 'ROWS UNBOUNDED PRECEDING' END;
  rewritten := true;
END $$;
