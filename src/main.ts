import './runtime/flags.js';
import { loadConfig } from './config.js';
import { DEMO_ACCOUNTS } from './db/seed.js';
import { createLogger } from './logger.js';
import { startTracing } from './observability/tracing.js';
import { startService } from './server.js';

const config = loadConfig();
const log = createLogger(config.logLevel, config.logFormat);
const stopTracing = await startTracing(process.env, log);

const service = await startService(config, log).catch((err) => {
  log.fatal({ err }, 'could not start');
  process.exit(1);
});

log.info({ url: service.url, embedded: service.embedded }, 'roomescape is listening');
if (service.embedded) {
  const { user, admin } = DEMO_ACCOUNTS;
  process.stdout.write(
    [
      '',
      `  roomescape is running at ${service.url}`,
      `  demo user : ${user.email} / ${user.password}`,
      `  demo admin: ${admin.email} / ${admin.password}`,
      `  try       : curl ${service.url}/themes`,
      '',
    ].join('\n') + '\n',
  );
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + config.shutdownTimeoutMs;
    log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    // The plan ends every step before the deadline; should one overrun anyway, the history still goes to disk first.
    const force = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown out of time; saving history to disk and exiting');
      void service.abandon().finally(() => process.exit(1));
    }, config.shutdownTimeoutMs).unref();
    service
      .stop(deadline)
      .then(async (summary) => {
        await stopTracing();
        return summary;
      })
      .then(
        (summary) => {
          clearTimeout(force);
          log.info({ signal, ...summary }, 'stopped');
          process.exit(0);
        },
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
