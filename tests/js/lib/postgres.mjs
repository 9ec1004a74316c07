// The test PostgreSQL server started by scripts/test (scripts/lib/postgres.sh),
// named by FLAGLIVE_TEST_POSTGRES; absent when the tests run without one.
import { execFileSync } from 'node:child_process';

export const POSTGRES = process.env.FLAGLIVE_TEST_POSTGRES || null;

/** A new, empty database on the test server; returns its URL. */
export function createDatabase(name) {
  for (const sql of [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]) {
    execFileSync('psql', [POSTGRES, '-q', '-c', 'SET client_min_messages = warning', '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return POSTGRES.replace(/\/[^/]*$/, `/${name}`);
}
