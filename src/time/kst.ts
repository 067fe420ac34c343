/**
 * Business time is Asia/Seoul. Korea has kept UTC+9 without daylight saving since 1988,
 * so a fixed offset is exact and does not depend on the process's TZ or its tz database.
 */
const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** The Asia/Seoul calendar date (YYYY-MM-DD) of an instant. */
export function kstDate(at: Date): string {
  return new Date(at.getTime() + KST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant at which a Seoul local date and time (HH:MM or HH:MM:SS) occurs. */
export function kstInstant(date: string, time: string): Date {
  const hms = time.length === 5 ? `${time}:00` : time;
  return new Date(`${date}T${hms}+09:00`);
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
