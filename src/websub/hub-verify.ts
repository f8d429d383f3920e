// Verification of intent (W3C WebSub §5.3): before the built-in hub stores or removes a
// subscription, it asks the callback whether it really asked, with a random challenge.
import { randomBytes } from 'node:crypto';
import { FeedwrightError } from '../core/errors.js';
import { vetCallback } from './callback-guard.js';
import { callbackRequest, type RequestLimits } from './hub-request.js';

/** A subscriber's request, as the hub accepted it (§5.1). */
export interface IntentRequest {
  mode: 'subscribe' | 'unsubscribe';
  topic: string;
  callback: string;
  /** The lease the hub grants, in seconds (already bounded); sent on subscribe only. */
  leaseSeconds: number;
}

/**
 * Sends the verification GET (§5.3.1): the callback URL with `hub.mode`, `hub.topic`,
 * `hub.challenge` (32 random bytes, base64url) and, for a subscription, `hub.lease_seconds`
 * appended to its own query. Resolves when the subscriber answers 2xx with a body equal to the
 * challenge (§5.3.2); else rejects with a FeedwrightError `HUB_CALLBACK_FAILED` (a refused
 * challenge, another status, a redirect — never followed —, a timeout, a body over the cap) or
 * `HUB_CALLBACK_REFUSED` (the callback host now resolves to an address the hub does not call).
 */
export async function verifyIntent(intent: IntentRequest, allowPrivate: boolean, limits: RequestLimits): Promise<void> {
  const target = await vetCallback(intent.callback, allowPrivate);
  const challenge = randomBytes(32).toString('base64url');
  const url = new URL(target.url);
  url.searchParams.append('hub.mode', intent.mode);
  url.searchParams.append('hub.topic', intent.topic);
  url.searchParams.append('hub.challenge', challenge);
  if (intent.mode === 'subscribe') url.searchParams.append('hub.lease_seconds', String(intent.leaseSeconds));
  const answer = await callbackRequest(target, 'GET', limits, {}, undefined, url);
  if (answer.status < 200 || answer.status > 299) throw new FeedwrightError('HUB_CALLBACK_FAILED', `the callback answered the ${intent.mode} verification with ${answer.status}`);
  if (answer.body.toString('utf8') !== challenge) throw new FeedwrightError('HUB_CALLBACK_FAILED', `the callback did not echo the ${intent.mode} challenge`);
}
