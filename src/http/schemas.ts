import { z } from 'zod';

/** A database id: a positive integer of at most 15 digits, as a number or a decimal string. */
const ID_MESSAGE = 'must be a positive integer id';
export const id = z.preprocess(
  (v) => (typeof v === 'string' && /^[1-9][0-9]{0,14}$/.test(v) ? Number(v) : v),
  z.number({ invalid_type_error: ID_MESSAGE }).int(ID_MESSAGE).positive(ID_MESSAGE).max(999_999_999_999_999, ID_MESSAGE),
);

/** Path ids arrive as strings; a plain regex keeps this check cheap on the hot hold path. */
export const idParams = z
  .object({
    id: z
      .string()
      .regex(/^[1-9][0-9]{0,14}$/, ID_MESSAGE)
      .transform(Number),
  })
  .strict();

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a real date')
  .refine((d) => d >= '2000-01-01' && d <= '2999-12-31', 'must be between 2000-01-01 and 2999-12-31');

export const startTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be a time as HH:MM');

export const email = z.string().trim().max(254).email();

export const signupBody = z.object({ email, password: z.string().min(8, 'must be at least 8 characters').max(128), name: z.string().trim().min(1).max(100) }).strict();

export const loginBody = z.object({ email: z.string().trim().max(254), password: z.string().min(1).max(128) }).strict();

export const reservationBody = z.object({ scheduleId: id, participants: z.number().int().min(1).max(100) }).strict();

export const themeSchedulesQuery = z.object({ date: isoDate }).strict();

export const themesQuery = z.object({ storeId: id.optional() }).strict();

export const popularQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(7), limit: z.coerce.number().int().min(1).max(100).default(10) }).strict();

export const storeBody = z.object({ name: z.string().trim().min(1).max(100), address: z.string().trim().min(1).max(200), phone: z.string().trim().max(30).nullable().optional() }).strict();

/**
 * What a room can sensibly be: a price in KRW from 1,000 to 1,000,000 (a typo of a digit either
 * way is refused; the gateway's own minimum is far below), 10 minutes to 8 hours, 1 to 50 players.
 */
const themeFields = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000),
  price: z.number().int().min(1_000).max(1_000_000),
  durationMinutes: z.number().int().min(10).max(480),
  minPlayers: z.number().int().min(1).max(50),
  maxPlayers: z.number().int().min(1).max(50),
  difficulty: z.number().int().min(1).max(5),
});

export const themeBody = themeFields
  .extend({ storeId: id, description: themeFields.shape.description.default('') })
  .strict()
  .refine((t) => t.maxPlayers >= t.minPlayers, { message: 'must be at least minPlayers', path: ['maxPlayers'] });

export const themePatchBody = themeFields.partial().strict();

export const bulkSchedulesBody = z
  .object({ themeId: id, from: isoDate, to: isoDate, startTimes: z.array(startTime).min(1).max(48) })
  .strict()
  .refine((b) => b.from <= b.to, { message: 'must not be before from', path: ['to'] })
  .refine((b) => (Date.parse(b.to) - Date.parse(b.from)) / 86_400_000 <= 366, { message: 'the range may span at most 366 days', path: ['to'] });

export const adminReservationsQuery = z.object({ date: isoDate.optional(), status: z.enum(['PENDING', 'PAYMENT_IN_PROGRESS', 'CONFIRMED', 'EXPIRED', 'CANCELED']).optional() }).strict();

export const loginHistoryQuery = z.object({ userId: id.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

export const orderBody = z
  .object({
    reservationId: id,
    paymentKey: z.string().min(1).max(200),
    orderId: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'must be 6-64 characters of A-Z a-z 0-9 _ -'),
    amount: z.number().int().min(1).max(1_000_000_000),
  })
  .strict();

export const cancelBody = z
  .object({ reason: z.string().trim().min(1).max(200).default('canceled by customer') })
  .strict()
  .default({});

/** The reconciliation report's period. */
export const reconciliationQuery = z.object({
  since: z
    .string()
    .datetime({ offset: true })
    .transform((s) => new Date(s)),
  until: z
    .string()
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .optional(),
});
