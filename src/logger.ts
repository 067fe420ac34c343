import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** JSON lines; secrets and tokens are redacted wherever they appear in a logged object. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['*.password', '*.passwordHash', '*.token', '*.authorization', '*.cookie', 'req.headers.authorization', 'req.headers.cookie', '*.secretKey'], censor: '[redacted]' },
  });
}
