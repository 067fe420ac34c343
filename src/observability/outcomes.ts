import type { AnyReply, ScheduleMessage } from '../actors/schedule/index.js';
import type { Metrics } from './metrics.js';

/** Turns schedule actor answers into counters: every answer by command and code, and holds by outcome. */
export function countReplies(m: Metrics) {
  return (command: ScheduleMessage, reply: AnyReply): void => {
    const code = reply.ok ? 'OK' : reply.code;
    m.actorReplies.inc(command.type, code);
    if (command.type === 'Hold') m.holdOutcomes.inc(reply.ok ? 'won' : reply.code === 'SCHEDULE_NOT_AVAILABLE' ? 'lost' : 'rejected');
    else if (command.type === 'Expire' && reply.ok && 'expired' in reply && reply.expired === 'HOLD') m.holdOutcomes.inc('expired');
  };
}

export function countPaymentOutcomes(m: Metrics) {
  return (outcome: 'approved' | 'declined' | 'retryable' | 'unknown', code: string | null): void => m.paymentOutcomes.inc({ outcome, code: code ?? (outcome === 'approved' ? 'DONE' : 'NONE') });
}
