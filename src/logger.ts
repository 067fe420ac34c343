import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger;

export type LogFormat = 'auto' | 'json' | 'pretty';

const REDACT = { paths: ['*.password', '*.passwordHash', '*.token', '*.authorization', '*.cookie', 'req.headers.authorization', 'req.headers.cookie', '*.secretKey'], censor: '[redacted]' };

/** `auto` is pretty on a terminal and JSON lines when stdout is a pipe or a file (a log collector). */
export const prettyLogs = (format: LogFormat, isTTY = Boolean(process.stdout.isTTY)): boolean => format === 'pretty' || (format === 'auto' && isTTY);

/** JSON lines, or pino-pretty's lines for a person; secrets and tokens are redacted wherever they appear in a logged object. */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  if (!prettyLogs(format)) return pino({ level, redact: REDACT });
  // In this thread and synchronous, so the last lines before an exit (the "stopped" line) are written.
  return pino({ level, redact: REDACT }, pretty({ sync: true, colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}
