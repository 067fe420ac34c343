import { readFileSync } from 'node:fs';
import test from 'ava';
import { envSchema } from '../src/config.js';
import { envExample, ENV_EXAMPLE_PATH } from '../scripts/env-example.js';

test('.env.example is what `npm run env-example` makes from src/config.ts', (t) => {
  t.is(readFileSync(ENV_EXAMPLE_PATH, 'utf8'), envExample(), 'run `npm run env-example` and commit .env.example');
});

test('.env.example names every variable the config reads, each once', (t) => {
  const names = readFileSync(ENV_EXAMPLE_PATH, 'utf8')
    .split('\n')
    .map((l) => /^#([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
    .filter((n): n is string => Boolean(n));
  t.deepEqual(names, Object.keys(envSchema.shape));
  t.regex(readFileSync(ENV_EXAMPLE_PATH, 'utf8'), /^#PORT=8080$/m);
});
