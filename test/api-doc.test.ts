import test from 'ava';
import { readFileSync } from 'node:fs';
import { ERRORS, type ErrorEntry } from '../src/errors/catalogue.js';
import { OPERATIONS } from '../src/http/routes/index.js';

/** docs/api.md is the contract a clone reads; it names what the route table and the catalogue hold. */
const doc = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');

test('docs/api.md lists every operation of the route table', (t) => {
  const listed = new Set([...doc.matchAll(/^\| (GET|POST|PATCH|DELETE) (\/[^\s?|]*)/gm)].map((m) => `${m[1]} ${m[2]}`));
  const missing = OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`).filter((name) => !listed.has(name));
  t.deepEqual(missing, []);
  t.is(listed.size, OPERATIONS.length, 'and no other');
});

test('docs/api.md gives every error code the status of the catalogue', (t) => {
  const rows = new Map([...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3})\b/gm)].map((m) => [m[1]!, Number(m[2])]));
  for (const [code, entry] of Object.entries(ERRORS) as [string, ErrorEntry][]) {
    t.is(rows.get(code), entry.status, code);
  }
});
