/**
 * A row as pg returns it from raw SQL: untyped by nature. Each repository's mapper turns one into a
 * typed value at once, so the looseness ends there.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type RawRow = Record<string, any>;
