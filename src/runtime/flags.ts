/**
 * Imported first by the entry point, before any other module runs.
 *
 * V8 "pretenures" an allocation site (allocates its objects straight in the old generation) once
 * most of its objects were seen surviving a young-generation collection. Under load the sites that
 * allocate requests, responses and Koa contexts were pretenured (most likely during the cold start,
 * when a thousand requests wait at once) and stayed so; from then on every request's objects died
 * in the old generation, and everything they pointed to was kept alive and copied by each young
 * collection until a full one ran. Measured under the hot-hold load (--trace-gc-nvp): 3.8 MB
 * promoted per young collection and ~8 ms pauses; without pretenuring, 0.2 MB and ~1 ms.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
