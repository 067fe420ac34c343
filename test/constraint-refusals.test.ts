import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createDb, migrateLatest, type Db } from '../src/db/knex.js';
import { createScheduleCommandClient } from '../src/queue/client.js';
import { createTestDatabase } from './helpers/database.js';
import { makeSchedule, makeUsers } from './helpers/fixtures.js';
import { startTestService } from './helpers/service.js';

// A client's or the embedded database's normal refusal is never a 500: PGlite reports a RESTRICT
// reference as 23001 where PostgreSQL says 23503, and both must give the same answers.

async function refusals(db: Db) {
  const service = await startTestService(db);
  try {
    const [admin] = await makeUsers(db, 1, 'ADMIN');
    const token = service.tokenFor(admin!, 'ADMIN');
    const scheduleId = await makeSchedule(db);
    const { theme_id: themeId } = await db('schedules').where({ id: scheduleId }).first();
    const { store_id: storeId, name } = await db('themes').where({ id: themeId }).first();
    const store = await db('stores').where({ id: storeId }).first();
    const statuses = [
      await service.request('DELETE', `/admin/stores/${storeId}`, { token }),
      await service.request('DELETE', `/admin/themes/${themeId}`, { token }),
      await service.request('POST', '/admin/stores', { token, body: { name: store.name, address: 'Busan' } }),
      await service.request('POST', '/admin/themes', { token, body: { storeId, name, description: '', price: 20000, durationMinutes: 60, minPlayers: 2, maxPlayers: 4, difficulty: 2 } }),
    ].map((r) => [r.status, r.body.code]);

    const bus = createScheduleCommandClient({ queues: service.queues });
    const unknownUser = await bus.send({ type: 'Hold', scheduleId: await makeSchedule(db), userId: 987_654 });
    await bus.close();
    return { statuses, unknownUser };
  } finally {
    await service.close();
  }
}

test('PostgreSQL and PGlite answer the same 409s for a store or theme in use and a taken name, and a bus Hold for an unknown user is a 4xx USER_NOT_FOUND rejection', async (t) => {
  const pg = await createTestDatabase(5);
  const dir = mkdtempSync(join(tmpdir(), 'roomescape-pglite-'));
  const embedded = await startEmbeddedPostgres(dir);
  const lite = createDb({ url: embedded.url, poolMax: 1 });
  t.teardown(async () => {
    await lite.destroy();
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
    await pg.drop();
  });
  await migrateLatest(lite);

  const onPostgres = await refusals(pg.db);
  const onPglite = await refusals(lite);
  t.deepEqual(onPostgres.statuses, [
    [409, 'IN_USE'],
    [409, 'IN_USE'],
    [409, 'NAME_TAKEN'],
    [409, 'NAME_TAKEN'],
  ]);
  t.deepEqual(onPglite.statuses, onPostgres.statuses);
  t.like(onPostgres.unknownUser, { code: 'USER_NOT_FOUND' });
  t.true('httpStatus' in onPostgres.unknownUser && onPostgres.unknownUser.httpStatus >= 400 && onPostgres.unknownUser.httpStatus < 500);
  t.deepEqual(onPglite.unknownUser, onPostgres.unknownUser);
});
