import { z } from 'zod';

/**
 * zod 4 completes its global configuration (the default locale, the containers' memoizer) when it builds its first
 * schema and its first container. This module is part of the preloaded ones (below): building one object schema here
 * does that while zod is being preloaded, before the SDK freezes zod's shared state, so no later build has to write it.
 */
z.object({ ready: z.string() });

/**
 * A schema built on its first use, then kept: `lazySchema(() => z.object({ … }))` returns the getter.
 *
 * Why: the workflow bundle's modules are evaluated once per workflow instance (the SDK's reusable V8 context gives each
 * workflow its own module cache), so a zod schema built at a module's top level is built again for every exam — most
 * of the CPU of creating a workflow (docs/performance.md, "Tenants"). The schema modules the workflows use
 * (src/common/lazy-*schemas.ts, src/workflows/legacy-schemas.ts) therefore export only getters made here, and the
 * bundle preloads them (src/worker/bundle.ts, `preloadModules`): preloaded modules are evaluated once per V8 context
 * and shared by its workflows, so each schema is built once per worker thread, on the first workflow that parses with
 * it. The built schema stays in this closure, out of the module's exports, which the SDK deep-freezes (a frozen zod
 * schema cannot parse: zod 4 defines its methods on first use).
 *
 * Deterministic: a build depends on the code only, and zod keeps no state of one parse for the next.
 */
export function lazySchema<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}
