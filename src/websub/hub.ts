// The built-in WebSub hub (issue 14) assembled: the `/websub` endpoint (subscribe, verify,
// store) and the delivery of each publish's changed topics. What src/service.ts and
// src/cluster/cluster-service.ts build when site.json says `"hub": "builtin"`.
import type { Router } from 'express';
import type { SiteConfig } from '../core/site.js';
import type { DocumentBodies, PublishedSet } from '../publish/published-set.js';
import type { HubSubscriptionStore } from '../store/store.js';
import { createHubDelivery, type HubDelivery, type HubDeliveryOptions } from './hub-delivery.js';
import { createHubEndpoint, type LeaseBounds } from './hub-endpoint.js';

/** The hub's numbers a caller may change (tests shorten leases and retries); all optional. */
export type HubTuning = Pick<HubDeliveryOptions, 'limits' | 'concurrency' | 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs' | 'sweepMs'> & {
  lease?: LeaseBounds;
};

/** A running built-in hub. */
export interface BuiltinHub {
  /** The `/websub` router, for the Express app. */
  router: Router;
  /** The publish listener (Compiler.onPublish): delivers what changed, in the background. */
  published(set: PublishedSet): void;
  /** Resolves when no verification, delivery or retry is pending. */
  whenIdle(): Promise<void>;
  /** Stops the sweep and the deliveries (requests in flight end first). */
  close(): Promise<void>;
}

/** Builds the hub over the store's subscriptions, the body store, and the served set (`current`). */
export function createBuiltinHub(options: { store: HubSubscriptionStore; bodies: Pick<DocumentBodies, 'load'>; site: SiteConfig; current: () => PublishedSet | undefined; log: (line: string) => void; clock?: () => number; tuning?: HubTuning }): BuiltinHub {
  const t = options.tuning ?? {};
  const clock = options.clock ?? Date.now;
  const endpoint = createHubEndpoint({ store: options.store, site: options.site, current: options.current, log: options.log, clock, ...(t.lease ? { lease: t.lease } : {}), ...(t.limits ? { limits: t.limits } : {}) });
  const deliveryOptions: HubDeliveryOptions = { store: options.store, bodies: options.bodies, origins: options.site.origins, allowPrivate: options.site.hubCallbackAllowPrivate, log: options.log, clock };
  for (const key of ['limits', 'concurrency', 'maxAttempts', 'retryBaseMs', 'retryMaxMs', 'sweepMs'] as const) if (t[key] !== undefined) Object.assign(deliveryOptions, { [key]: t[key] });
  const delivery: HubDelivery = createHubDelivery(deliveryOptions);
  return {
    router: endpoint.router,
    published: (set) => delivery.published(set),
    async whenIdle() {
      await endpoint.whenIdle();
      await delivery.whenIdle();
    },
    async close() {
      await endpoint.whenIdle();
      await delivery.close();
    },
  };
}
