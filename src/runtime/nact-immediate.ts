/**
 * Imported by actors/system.ts, before any actor runs.
 *
 * nact keeps the Immediate that ran an actor's last message (`Actor.immediate`) for as long as the
 * actor lives, and Node does not unlink an Immediate once it has run: that one reference keeps
 * every Immediate queued in the same turn reachable, with all they hold. After 10,000 event
 * streams closed at once (Node closes each HTTP parser past its pool of 1,000 on an Immediate of
 * its own), their sockets, requests and responses, about 70 MB, stayed in the heap until the idle
 * schedule actor that had run in that turn handled another message or was passivated
 * (ACTOR_IDLE_MS); each such burst added as much again (`npm run loadtest -- live`, heap after a
 * full collection: 28, then 96, then 164 MB). An actor left idle now drops the reference.
 */
import { createRequire } from 'node:module';

interface NactActor {
  busy: boolean;
  stopped: boolean;
  immediate: NodeJS.Immediate | undefined;
  processNext(): void;
}

const { Actor } = createRequire(import.meta.url)('nact/lib/actor.js') as { Actor: { prototype: NactActor } };
const processNext = Actor.prototype.processNext;
Actor.prototype.processNext = function (this: NactActor) {
  processNext.call(this);
  if (!this.busy || this.stopped) this.immediate = undefined;
};
