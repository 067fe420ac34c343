/** --target and --database: loopback only, and the process behind a local port (for CPU and RSS). */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The URL without a trailing slash, or an error message when it is not an http(s) URL on a loopback host. */
export function loopbackUrl(raw: string, what: string, protocols = ['http:']): { url: URL } | { error: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: `${what} ${JSON.stringify(raw)} is not a URL` };
  }
  if (!protocols.includes(url.protocol)) return { error: `${what} must use ${protocols.join(' or ')}, got ${url.protocol}` };
  if (!LOOPBACK.has(url.hostname)) return { error: `${what} host ${url.hostname} refused: only 127.0.0.1, localhost or ::1 may be loaded` };
  return { url };
}

/** The pid of the process listening on a local TCP port, or 0 when /proc does not tell (another user's process). */
export function pidListeningOn(port: number): number {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; inode is the 10th field.
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(pid);
      } catch {
        // gone
      }
    }
  }
  return 0;
}

/** VmRSS of a process in bytes, or null. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
