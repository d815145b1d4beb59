/**
 * What a call does when the caller says nothing, in one place. Every option that has a default reads it from here
 * (client, saveImages, retry policy, CLI help), so a change of default is one line.
 */
import { wireContract } from '../contract/wire-contract.js';

export const DEFAULTS = {
  /** Largest answer read, in bytes once decoded, any status: the spec's x-max-response-bytes. */
  maxResponseBytes: wireContract.maxResponseBytes,
  /** Whole call, reading stream inputs, retries and waits included: edits can take minutes. */
  timeoutMs: 600_000,
  /** Retries after the first attempt. */
  maxRetries: 2,
  /** Outcomes retried beyond the safe ones (429, 503 with Retry-After, a refused connection): none. */
  retryOn: [] as readonly (number | 'reset')[],
  /** First backoff delay, doubled each retry, with jitter. */
  retryBaseDelayMs: 500,
  /** Longest wait before a retry, for backoff and Retry-After alike. */
  retryMaxDelayMs: 30_000,
} as const;
