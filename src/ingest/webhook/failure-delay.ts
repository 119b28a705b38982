/**
 * Slows down a client that keeps failing the webhook's checks, without changing a byte of its answers: after
 * `freeFailures` refusals within `windowMs`, each further refusal to that client IP is delayed, doubling from
 * `baseDelayMs` up to `maxDelayMs`. Only refused requests wait (a genuine Feishu event is never delayed), and at most
 * `maxClients` addresses are remembered (the least recently failing are forgotten first), so memory stays bounded.
 */
export interface FailureDelaySettings {
  freeFailures: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxClients: number;
}

/** The ingest's setting (src/ingest/server.ts): 10 free refusals a minute, then 100 ms doubling up to 2 s. */
export const DEFAULT_FAILURE_DELAY: FailureDelaySettings = {
  freeFailures: 10,
  windowMs: 60_000,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxClients: 10_000,
};

export class FailureDelay {
  private readonly clients = new Map<string, { failures: number; since: number }>();

  constructor(
    private readonly settings: FailureDelaySettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a refusal to `client` and returns how long to wait before sending it, in ms (0: at once). */
  failed(client: string): number {
    const now = this.now();
    const known = this.clients.get(client);
    const entry = known && now - known.since <= this.settings.windowMs ? known : { failures: 0, since: now };
    entry.failures++;
    this.clients.delete(client); // re-inserted last: the Map's order is the forgetting order
    this.clients.set(client, entry);
    if (this.clients.size > this.settings.maxClients) {
      const oldest = this.clients.keys().next();
      if (!oldest.done) this.clients.delete(oldest.value);
    }
    const over = entry.failures - this.settings.freeFailures;
    if (over <= 0) return 0;
    return Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** Math.min(over - 1, 30));
  }

  /** Addresses currently remembered (for tests and metrics). */
  get size(): number {
    return this.clients.size;
  }
}
