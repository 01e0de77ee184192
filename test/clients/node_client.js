// feature_ext from node-postgres 8 (npm `pg`), as docs/CLIENTS.md shows.
//   NODE_PATH=/var/cache/feature_ext/npm/node_modules node node_client.js PORT [PGBOUNCER_PORT]
// With PORT: named queries ({name: ...}: server-side prepared statements) for
// the column form, the row form, batch and the composite form; every value and
// its JavaScript type checked, first with node-postgres's default parsers
// (bigint and numeric as strings, timestamptz as a Date cut to milliseconds),
// then with the guide's type parsers (bigint as BigInt, timestamptz kept as text).
// With PGBOUNCER_PORT: unnamed queries through PgBouncer in transaction mode,
// two clients interleaved.  Prints "ok node-postgres" or the failures, exit 1.
'use strict';
const pg = require('pg');

const failures = [];
const NAMES = ['k', 'cnt', 'sum_i', 'sum_b', 'max_b', 'min_i', 'sum_f', 'avg_f', 'avg_i', 'sum_n',
  'max_seen', 'prev_t'];
const jsType = (v) => (v === null ? 'null' : v instanceof Date ? 'Date' : typeof v);
const show = (v) => (v instanceof Date ? `Date(${v.toISOString()})` : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));

// Value and exact type; Dates by their time value (milliseconds).
function check(what, got, want) {
  const same = jsType(got) === jsType(want) &&
    (want instanceof Date ? got.getTime() === want.getTime() : got === want);
  if (!same) failures.push(`${what}: got ${show(got)} (${jsType(got)}), want ${show(want)} (${jsType(want)})`);
}
function checkRow(what, row, want) {
  if (!row) { failures.push(`${what}: no row`); return; }
  const keys = Object.keys(row);
  if (keys.join() !== NAMES.join()) failures.push(`${what}: columns ${keys}`);
  NAMES.forEach((n) => check(`${what}.${n}`, row[n], want[n]));
}

// node-postgres defaults: int8 and numeric arrive as strings, timestamptz as a
// Date (milliseconds: .999999 becomes .999, cut, not rounded).
const WANT_DEFAULT = {
  k: 'a', cnt: '3', sum_i: '6', sum_b: '9007199254740998', max_b: '9007199254740993', min_i: 1,
  sum_f: 0.6000000000000001, avg_f: 0.20000000000000004, avg_i: '2.0000000000000000', sum_n: '3.306',
  max_seen: new Date(Date.UTC(2024, 2, 1, 12, 0, 0, 999)), prev_t: 'y',
};
// with the guide's parsers
const WANT = { ...WANT_DEFAULT, cnt: 3n, sum_i: 6n, max_b: 9007199254740993n,
  max_seen: '2024-03-01 12:00:00.999999+00' };
const WANT_BATCH = [
  { k: 'a', cnt: 1n, sum_i: 1n, sum_b: '9007199254740993', max_b: 9007199254740993n, min_i: 1, sum_f: 0.1,
    avg_f: 0.1, avg_i: '1.00000000000000000000', sum_n: '1.10', max_seen: '2024-03-01 10:00:00.000001+00',
    prev_t: null },
  { k: 'a', cnt: 2n, sum_i: 3n, sum_b: '9007199254740995', max_b: 9007199254740993n, min_i: 1,
    sum_f: 0.30000000000000004, avg_f: 0.15000000000000002, avg_i: '1.5000000000000000', sum_n: '3.305',
    max_seen: '2024-03-01 10:01:00.5+00', prev_t: 'x' },
  { k: 'b', cnt: 1n, sum_i: 7n, sum_b: '-5', max_b: -5n, min_i: 7, sum_f: 1.5, avg_f: 1.5,
    avg_i: '7.0000000000000000', sum_n: '0', max_seen: '2024-03-01 09:00:00+00', prev_t: null },
];
const COMPOSITE = '(a,3,6,9007199254740998,9007199254740993,1,0.6000000000000001,' +
  '0.20000000000000004,2.0000000000000000,3.306,"2024-03-01 12:00:00.999999+00",y)';

async function direct(port) {
  // --- guide: node
  const REQ = ['a', 3, '3', 0.3, '0.001', 'z',
    '2024-03-01 12:00:00.999999+00', '2024-03-01 12:00:00.654321+00'];  // strings keep microseconds
  const types = {
    getTypeParser(oid, format) {
      if (oid === 20) return BigInt;            // int8 (count, sum(int), bigint columns): exact
      if (oid === 1184) return (text) => text;  // timestamptz: keep the microseconds a Date drops
      return pg.types.getTypeParser(oid, format);  // numeric stays a string, float8 a number
    },
  };
  const client = new pg.Client({ host: '/tmp', port, user: 'postgres', database: 'postgres',
    options: '-c TimeZone=UTC', types });
  await client.connect();
  const cols = await client.query({ name: 'fe_cols',
    text: 'SELECT * FROM fe_clients($1, $2, $3, $4, $5, $6, $7, $8)', values: REQ });
  const row = await client.query({ name: 'fe_row',
    text: 'SELECT * FROM fe_clients(ROW($1, $2, $3, $4, $5, $6, $7, $8)::ev)', values: REQ });
  const batch = await client.query({ name: 'fe_batch',
    text: 'SELECT * FROM fe_clients_batch($1) ORDER BY k, cnt', values: ['ev'] });
  // --- end
  try {
    checkRow('columns', cols.rows[0], WANT);
    checkRow('row form', row.rows[0], WANT);
    check('batch rows', batch.rows.length, WANT_BATCH.length);
    WANT_BATCH.forEach((w, i) => checkRow(`batch[${i}]`, batch.rows[i], w));
    for (let i = 2; i <= 4; i++) {      // the prepared statements, again
      checkRow(`columns call ${i}`, (await client.query({ name: 'fe_cols',
        text: 'SELECT * FROM fe_clients($1, $2, $3, $4, $5, $6, $7, $8)', values: REQ })).rows[0], WANT);
      checkRow(`row form call ${i}`, (await client.query({ name: 'fe_row',
        text: 'SELECT * FROM fe_clients(ROW($1, $2, $3, $4, $5, $6, $7, $8)::ev)', values: REQ })).rows[0], WANT);
    }
    // --- guide: node-composite
    const one = await client.query({ name: 'fe_one',
      text: 'SELECT fe_clients($1, $2, $3, $4, $5, $6, $7, $8)', values: REQ });
    // one.rows[0].fe_clients is the string '(a,3,6,...)'
    // --- end
    check('SELECT fe_clients(...)', one.rows[0].fe_clients, COMPOSITE);
    // a Date parameter is sent with milliseconds only: the request's seen loses .000999
    const withDate = [...REQ.slice(0, 6), new Date(Date.UTC(2024, 2, 1, 12, 0, 0, 999)), REQ[7]];
    check('Date parameter', (await client.query({ name: 'fe_cols',
      text: 'SELECT * FROM fe_clients($1, $2, $3, $4, $5, $6, $7, $8)', values: withDate })).rows[0].max_seen,
    '2024-03-01 12:00:00.999+00');
    const stmts = (await client.query(
      'SELECT name FROM pg_prepared_statements WHERE NOT from_sql ORDER BY name')).rows.map((r) => r.name);
    check('server-side prepared statements', stmts.join(), 'fe_batch,fe_cols,fe_one,fe_row');
  } finally {
    await client.end();
  }
  await redeploys(port, REQ);
  // node-postgres's default parsers, for the record
  const plain = new pg.Client({ host: '/tmp', port, user: 'postgres', database: 'postgres' });
  await plain.connect();
  try {
    checkRow('default parsers', (await plain.query({ name: 'fe_cols',
      text: 'SELECT * FROM fe_clients($1, $2, $3, $4, $5, $6, $7, $8)', values: REQ })).rows[0], WANT_DEFAULT);
  } finally {
    await plain.end();
  }
}

// A redeploy that adds a feature under named statements: the prepared
// SELECT * fails with 0A000 on every call (node-postgres keeps using the
// name); a statement that names its features goes on working.
async function redeploys(port, REQ) {
  const w = ' FROM ev WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)';
  const deploy = "SELECT feature_ext.deploy('fe_node_redeploy', $1, '{\"replace\": true}')";
  const c = new pg.Client({ host: '/tmp', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  try {
    await c.query(deploy, [`SELECT count(*) OVER w AS cnt${w}`]);
    const star = { name: 'rd_star', text: 'SELECT * FROM fe_node_redeploy($1, $2, $3, $4, $5, $6, $7, $8)', values: REQ };
    const named = { name: 'rd_named', text: 'SELECT cnt FROM fe_node_redeploy($1, $2, $3, $4, $5, $6, $7, $8)',
      values: REQ };
    check('before redeploy', JSON.stringify((await c.query(star)).rows), '[{"cnt":"3"}]');
    check('before redeploy, named feature', JSON.stringify((await c.query(named)).rows), '[{"cnt":"3"}]');
    await c.query(deploy, [`SELECT count(*) OVER w AS cnt, sum(i) OVER w AS sum_i${w}`]);
    for (let i = 1; i <= 2; i++) {
      let code = 'no error';
      try { await c.query(star); } catch (e) { code = e.code; }
      check(`feature added, SELECT * call ${i}: SQLSTATE`, code, '0A000');
      check(`feature added, named feature call ${i}`, JSON.stringify((await c.query(named)).rows), '[{"cnt":"3"}]');
    }
    await c.query("SELECT feature_ext.undeploy('fe_node_redeploy')");
  } finally {
    await c.end();
  }
}

async function pooled(pgbPort) {
  const REQ = ['a', 3, '3', 0.3, '0.001', 'z', '2024-03-01 12:00:00.999999+00', '2024-03-01 12:00:00.654321+00'];
  const types = { getTypeParser(oid, format) {
    if (oid === 20) return BigInt;
    if (oid === 1184) return (text) => text;
    return pg.types.getTypeParser(oid, format);
  } };
  // --- guide: node-pgbouncer
  // no `options`: PgBouncer 1.18 refuses the connection (the time zone is set in its [databases] line)
  const pool = new pg.Pool({ host: '127.0.0.1', port: pgbPort, user: 'postgres', database: 'postgres',
    types, max: 2 });
  const res = await pool.query('SELECT * FROM fe_clients($1, $2, $3, $4, $5, $6, $7, $8)', REQ);  // no name
  // --- end
  try {
    checkRow('pgbouncer', res.rows[0], WANT);
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      for (let i = 0; i < 8; i++) {
        for (const [name, c] of [['a', a], ['b', b]]) {
          checkRow(`pgbouncer ${name} call ${i}`, (await c.query(
            'SELECT * FROM fe_clients($1, $2, $3, $4, $5, $6, $7, $8)', REQ)).rows[0], WANT);
          checkRow(`pgbouncer ${name} row form ${i}`, (await c.query(
            'SELECT * FROM fe_clients(ROW($1, $2, $3, $4, $5, $6, $7, $8)::ev)', REQ)).rows[0], WANT);
        }
      }
    } finally {
      a.release();
      b.release();
    }
  } finally {
    await pool.end();
  }
}

(async () => {
  try {
    if (process.argv[3]) await pooled(Number(process.argv[3])); else await direct(Number(process.argv[2]));
  } catch (e) {
    failures.push(String(e && e.stack || e));
  }
  if (failures.length) {
    console.log(`FAIL node-postgres:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`ok node-postgres ${require('pg/package.json').version}${process.argv[3] ? ' via pgbouncer' : ''}`);
})();
