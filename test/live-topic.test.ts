import test from 'ava';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ScheduleChange } from '../src/services/live/change.js';
import { DayTopic } from '../src/services/live/day-topic.js';
import { EventStream } from '../src/services/live/stream.js';

// A theme-day's fan-out on its own: what each stream's response is asked to write, and when.

/** The part of a ServerResponse a stream uses, keeping every write. */
class Written extends EventEmitter {
  readonly writes: string[] = [];
  writableLength = 0;
  write(data: string | Buffer): boolean {
    this.writes.push(data.toString());
    return true;
  }
  end(): void {}
  destroy(): void {}
}

const change = (id: number, version: number): ScheduleChange => ({ id, themeId: 1, date: '2026-12-02', status: 'HOLD', holdExpiresAt: null, heldBy: 7, version });
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function openStream(topic: DayTopic, head = ''): Written {
  const res = new Written();
  const stream = new EventStream<ScheduleChange>(res as unknown as ServerResponse, 65_536);
  topic.streams.add(stream);
  stream.open(head);
  res.writes.length = 0;
  return res;
}

test('DayTopic: the changes of one turn reach each open stream in one write, in order', async (t) => {
  const topic = new DayTopic(16);
  const [a, b] = [openStream(topic), openStream(topic)];
  topic.publish(change(1, 1));
  topic.publish(change(2, 1));
  topic.publish(change(1, 2));
  t.deepEqual(a.writes, [], 'nothing is written before the turn ends');
  await turn();
  for (const res of [a, b]) {
    t.is(res.writes.length, 1);
    t.deepEqual(
      [...res.writes[0]!.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]),
      ['1.1', '2.1', '1.2'],
    );
  }
});

test('DayTopic: a stream placed from the ring before the turn ends gets that turn’s changes once, from the flush', async (t) => {
  const topic = new DayTopic(16);
  topic.publish(change(1, 1));
  await turn();
  topic.publish(change(1, 2));
  const missed = topic.since('1.1');
  t.deepEqual(missed, [], 'the change not yet flushed is not in the ring');
  const res = openStream(topic, missed!.join(''));
  await turn();
  t.deepEqual(
    res.writes.flatMap((w) => [...w.matchAll(/^id: (\S+)$/gm)].map((m) => m[1])),
    ['1.2'],
  );
  t.deepEqual(topic.since('1.1')?.length, 1, 'and it is in the ring after');
});

test('DayTopic: a change heard twice (another instance, a reload) is told once', async (t) => {
  const topic = new DayTopic(16);
  const res = openStream(topic);
  topic.publish(change(3, 5));
  topic.publish(change(3, 5));
  topic.publish(change(3, 4));
  await turn();
  t.is(res.writes.length, 1);
  t.is([...res.writes[0]!.matchAll(/^id: /gm)].length, 1);
});
