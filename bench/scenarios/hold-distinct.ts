/** hold-distinct: every request holds a new schedule; the service against the bare-Koa ceiling and (--compare-lock) the lock baseline. */
import type { Ctx } from '../lib/lt/context.js';
import { holdScenario } from '../lib/lt/hold.js';
import type { ScenarioReport } from '../lib/lt/report.js';

export const run = (ctx: Ctx): Promise<ScenarioReport> => holdScenario(ctx, 'hold-distinct', 'distinct');
