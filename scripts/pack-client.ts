/**
 * npm run pack:client [-- --check]: packs roomescape/client, the package another team installs.
 *
 * The repository's own package.json is the private service, whose dependencies are the whole
 * service's; the client must bring only what it uses. So this builds (`npm run build`: ESM and
 * .d.ts in dist/), follows the imports of dist/client/index.js and index.d.ts, copies just those
 * files into dist-client/, writes a package.json named `roomescape` with the `./client` subpath
 * export and only the dependencies those files import (it stops if one imports anything else),
 * and runs `npm pack` there: roomescape-<version>.tgz in the repository root.
 *
 * --check then installs the tarball into a scratch project under the OS temp directory, type-checks
 * an import of it against its .d.ts, and runs one with plain `node` (no tsx) that talks to Redis
 * (REDIS_URL, default redis://127.0.0.1:6379, a throwaway key prefix).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STAGE = join(ROOT, 'dist-client');
/** What the client may import at run time or in its types, besides its own files. */
const ALLOWED = new Set(['bull', 'ioredis']);
const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;

const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

/** Every file reachable from `entry` through relative imports; the bare specifiers met on the way. */
function graph(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    if (!existsSync(file)) throw new Error(`${relative(ROOT, file)} is imported but was not built`);
    files.add(file);
    // Comments out first: an example in a doc comment is not an import.
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const [, spec] of code.matchAll(IMPORT)) {
      if (spec!.startsWith('.')) {
        const target = resolve(dirname(file), spec!);
        visit(file.endsWith('.d.ts') ? target.replace(/\.js$/, '.d.ts') : target);
      } else
        external.add(
          spec!.startsWith('node:')
            ? 'node:'
            : spec!
                .split('/')
                .slice(0, spec!.startsWith('@') ? 2 : 1)
                .join('/'),
        );
    }
  };
  visit(entry);
  return { files, external };
}

function stage(): string {
  run('npm', ['run', '-s', 'build'], ROOT);
  const js = graph(join(ROOT, 'dist/client/index.js'));
  const dts = graph(join(ROOT, 'dist/client/index.d.ts'));
  const external = new Set([...js.external, ...dts.external].filter((d) => d !== 'node:'));
  const stray = [...external].filter((d) => !ALLOWED.has(d));
  if (stray.length) throw new Error(`roomescape/client imports ${stray.join(', ')}: only ${[...ALLOWED].join(', ')} may be its dependencies`);
  rmSync(STAGE, { recursive: true, force: true });
  for (const file of [...js.files, ...dts.files]) {
    const to = join(STAGE, relative(ROOT, file));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(file, to);
  }
  cpSync(join(ROOT, 'LICENSE'), join(STAGE, 'LICENSE'));
  writeFileSync(
    join(STAGE, 'README.md'),
    '# roomescape/client\n\nThe typed client of roomescape\'s schedule command bus and its wire and HTTP types. See the "Integrating" section of roomescape\'s README.\n',
  );
  const pkg = {
    name: 'roomescape',
    version: root.version,
    description: 'roomescape/client: the typed schedule command bus client and the wire and HTTP types',
    license: 'MIT',
    type: 'module',
    engines: { node: '>=20' },
    exports: { './client': { types: './dist/client/index.d.ts', import: './dist/client/index.js' } },
    dependencies: Object.fromEntries([...external].sort().map((d) => [d, root.dependencies[d]])),
  };
  writeFileSync(join(STAGE, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  const tarball = run('npm', ['pack', '--pack-destination', ROOT, '--silent'], STAGE).trim().split('\n').pop()!;
  console.log(`packed ${tarball}: ${js.files.size} modules, ${dts.files.size} declaration files; dependencies ${[...external].join(', ')}`);
  return join(ROOT, tarball);
}

/** A separate project installs the tarball; plain node imports it and asks Redis; tsc checks the types. */
function check(tarball: string): void {
  const scratch = mkdtempSync(join(tmpdir(), 'roomescape-client-check-'));
  try {
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--silent', tarball], scratch);
    const prefix = `client-check-${randomBytes(4).toString('hex')}`;
    writeFileSync(
      join(scratch, 'main.ts'),
      `import { createScheduleCommandClient, isRejection, type BusReply, type HoldBody } from 'roomescape/client';
const bus = createScheduleCommandClient({ redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: '${prefix}' });
const consumers: number | undefined = await bus.consumers();
const typed = (reply: BusReply<'Hold'>): string => (isRejection(reply) ? reply.code : (reply satisfies HoldBody).holdExpiresAt);
console.log(JSON.stringify({ consumers, typed: typeof typed }));
await bus.close();
`,
    );
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'] },
        files: ['main.ts'],
      }),
    );
    run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', scratch], scratch);
    // The same program as plain JavaScript, with plain node.
    writeFileSync(
      join(scratch, 'main.mjs'),
      readFileSync(join(scratch, 'main.ts'), 'utf8')
        .replace(/, type \w+/g, '')
        .replace(/: number \| undefined/, '')
        .replace(/\(reply: BusReply<'Hold'>\): string/, '(reply)')
        .replace(/ satisfies HoldBody/, ''),
    );
    const out = JSON.parse(run(process.execPath, ['main.mjs'], scratch)) as { consumers?: number };
    if (out.consumers !== 0) throw new Error(`expected no consumers on a fresh prefix, got ${JSON.stringify(out)}`);
    const installed = Object.keys(
      (JSON.parse(run('npm', ['ls', '--json', '--depth=1'], scratch)) as { dependencies: Record<string, { dependencies?: object }> }).dependencies.roomescape?.dependencies ?? {},
    );
    console.log(`checked in ${scratch}: tsc accepts the types, plain node imports roomescape/client and reaches Redis; it brought ${installed.join(', ')}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const tarball = stage();
if (process.argv.includes('--check')) check(tarball);
