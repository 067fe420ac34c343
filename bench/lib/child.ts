/** Starts a server as a child process (`node <entry>.js`, or through tsx for a .ts entry), waits for its health URL, stops it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  name: string;
  /** Output lines so far, counted by pino level and message. */
  output(): Map<string, number>;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `portEnv` names the variable the entry reads its port from (PORT unless said otherwise). */
export async function startChild(opts: { name: string; entry: string; env: Record<string, string>; nodeArgs?: string[]; healthPath?: string; portEnv?: string }): Promise<Child> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const loader = opts.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  // BENCH_NODE_ARGS: V8 flags for every server the bench starts (e.g. --trace-gc), which NODE_OPTIONS refuses.
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...extra, ...(opts.nodeArgs ?? []), ...loader, opts.entry], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', ...opts.env, [opts.portEnv ?? 'PORT']: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  // Keep the first lines whole, and count every line by its pino level and message.
  let log = '';
  let partial = '';
  const counts = new Map<string, number>();
  const keep = (d: Buffer) => {
    if (log.length < 4_000) log += d.toString().slice(0, 4_000 - log.length);
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let key = line.slice(0, 120);
      try {
        const j = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        key = `level ${j.level} "${(j.msg ?? '').split('\n')[0]}"${j.err?.message ? ` (${j.err.message.split('\n')[0]})` : ''}`;
      } catch {
        // not a pino line
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  child.stdout!.on('data', keep);
  // BENCH_CHILD_LOG=<prefix>: also copy each server's stdout to <prefix>.<name> (for --trace-gc and the like).
  if (process.env.BENCH_CHILD_LOG) child.stdout!.pipe(createWriteStream(`${process.env.BENCH_CHILD_LOG}.${opts.name}`));
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => {
    dead = true;
    live.delete(child);
  });

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (dead) throw new Error(`${opts.name} exited before it was ready:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} not ready after 60 s:\n${log}`);
    }
    try {
      const res = await fetch(`${url}${opts.healthPath ?? '/healthz'}`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    name: opts.name,
    url,
    pid: child.pid!,
    output: () => new Map(counts),
    async stop() {
      if (dead) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      if (counts.size) {
        const lines = [...counts].map(([k, n]) => `    ${n} x ${k}`);
        const first = log.split('\n')[0]!.slice(0, 600);
        process.stderr.write(`  [${opts.name} wrote to stdout/stderr]\n${lines.join('\n')}\n    first line: ${first}\n`);
      }
    },
  };
}
