import { useEffect, useState } from 'preact/hooks';
import type { Reservation, Slot, SlotStatus } from './api.js';

export interface LiveSlot extends Slot {
  version: number;
  holdExpiresAt?: string;
}

/**
 * The day's slots from the live stream: the snapshot, then each `schedule` event applied when
 * it is newer than what the slot shows. EventSource reconnects by itself with Last-Event-ID.
 */
export function useDaySlots(themeId: number | null, date: string): { slots: LiveSlot[] | null; connected: boolean } {
  const [slots, setSlots] = useState<LiveSlot[] | null>(null);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    setSlots(null);
    if (themeId === null) return;
    const source = new EventSource(`/themes/${themeId}/schedules/stream?date=${date}`);
    source.addEventListener('open', () => setConnected(true));
    source.addEventListener('error', () => setConnected(false));
    source.addEventListener('snapshot', (e) => {
      const list = JSON.parse((e as MessageEvent<string>).data) as Slot[];
      setSlots(list.map((s) => ({ ...s, version: 0 })));
    });
    source.addEventListener('schedule', (e) => {
      const c = JSON.parse((e as MessageEvent<string>).data) as { id: number; status: SlotStatus; holdExpiresAt?: string; version: number };
      setSlots(
        (list) =>
          list &&
          list.map((s) =>
            s.id === c.id && c.version > s.version ? { ...s, status: c.status, version: c.version, ...(c.holdExpiresAt ? { holdExpiresAt: c.holdExpiresAt } : { holdExpiresAt: undefined }) } : s,
          ),
      );
    });
    return () => source.close();
  }, [themeId, date]);
  return { slots, connected };
}

export interface HoldEvent {
  scheduleId: number;
  status: string;
  holdExpiresAt: string | null;
}

/** The signed-in user's reservations and holds, live. */
export function useMine(signedIn: boolean): { reservations: Reservation[] | null; holds: Map<number, HoldEvent> } {
  const [reservations, setReservations] = useState<Reservation[] | null>(null);
  const [holds, setHolds] = useState<Map<number, HoldEvent>>(new Map());
  useEffect(() => {
    setReservations(null);
    setHolds(new Map());
    if (!signedIn) return;
    const source = new EventSource('/reservations/mine/stream');
    source.addEventListener('reservations', (e) => setReservations(JSON.parse((e as MessageEvent<string>).data) as Reservation[]));
    source.addEventListener('hold', (e) => {
      const h = JSON.parse((e as MessageEvent<string>).data) as HoldEvent;
      setHolds((m) => {
        const next = new Map(m);
        if (h.status === 'HOLD') next.set(h.scheduleId, h);
        else next.delete(h.scheduleId);
        return next;
      });
    });
    return () => source.close();
  }, [signedIn]);
  return { reservations, holds };
}

/** Re-renders every second (for countdowns). */
export function useTick(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}
