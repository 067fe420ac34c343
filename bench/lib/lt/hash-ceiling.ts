/**
 * Child process of the login-storm scenario: verifyPassword calls per second on this machine, with
 * 2 x UV_THREADPOOL_SIZE calls in flight so libuv's pool (where scrypt runs) never idles.
 * Usage: node dist-bench/bench/lib/lt/hash-ceiling.js <seconds>; prints one JSON line.
 */
import { hashPassword, verifyPassword } from '../../../src/services/password.js';

const seconds = Number(process.argv[2] ?? 5);
const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
const password = 'ceiling-password-1234';
const stored = await hashPassword(password);
let hashes = 0;
const t0 = performance.now();
const end = t0 + seconds * 1000;
const worker = async () => {
  while (performance.now() < end) {
    if (!(await verifyPassword(password, stored))) throw new Error('verifyPassword refused the right password');
    hashes += 1;
  }
};
await Promise.all(Array.from({ length: pool * 2 }, worker));
const took = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ hashes, seconds: took, perSecond: hashes / took, pool }) + '\n');
