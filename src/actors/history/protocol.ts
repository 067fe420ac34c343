import type { LoginRecord } from '../../db/repositories/login-history.js';

export type HistoryMessage =
  | { type: 'RecordLogin'; record: LoginRecord }
  | { type: 'Flush'; done?: () => void };

export type { LoginRecord };
