/** hold-hot: 1000 connections on 10 schedules; the service against the bare-Koa ceiling and (--compare-lock) the lock baseline. */
import type { Ctx } from '../lib/lt/context.js';
import { holdScenario } from '../lib/lt/hold.js';
import type { ScenarioReport } from '../lib/lt/report.js';

export const run = (ctx: Ctx): Promise<ScenarioReport> => holdScenario(ctx, 'hold-hot', 'hot');
