import { pino } from 'pino';
import { optionsFromEnv } from './env.js';
import { startTossMock } from './index.js';

// `npm run tossmock`: the mock as its own process, configured from the
// environment. The secret key is never logged, only whether one was given.

const log = pino({ name: 'tossmock' });
const options = optionsFromEnv(process.env);
const mock = await startTossMock(options);

log.info(
  {
    url: mock.url,
    customSecretKey: options.secretKey !== undefined,
    latencyMs: options.latencyMs ?? 0,
    failureRate: options.failureRate ?? 0,
    dropAfterApprove: options.dropAfterApprove ?? false,
  },
  'Toss mock listening',
);

function shutdown(signal: NodeJS.Signals): void {
  log.info({ signal }, 'Toss mock closing');
  mock.close().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, 'Toss mock failed to close');
      process.exit(1);
    },
  );
}

process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
