/** What the History face sends. The rows are opaque to the actor: `R` is whatever its writer takes. */
export type BufferCommand<R> =
  /** Queue one row; no reply. */
  | { type: 'Record'; row: R }
  /** Write every row recorded before it now; `done` once each is written or handed to the overflow hook. */
  | { type: 'Flush'; done: () => void };

/** Messages the actor sends itself, and the crash a test asks for. */
export type BufferInternal =
  /** The timer armed for `at` went off. */
  | { type: 'Tick'; at: number }
  /** The write `op` ended (`error` when it failed). */
  | { type: 'Written'; op: number; failed: boolean; error?: unknown; ms: number }
  | { type: 'Crash' };

export type BufferMessage<R> = BufferCommand<R> | BufferInternal;
