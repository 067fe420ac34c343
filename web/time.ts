/** Today's date in Asia/Seoul, as YYYY-MM-DD (the date the API's listings use). */
export function seoulToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "m:ss" left until `iso`, never negative. */
export function countdown(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export const won = (n: number) => `₩${n.toLocaleString('ko-KR')}`;
export const hhmm = (t: string) => t.slice(0, 5);
