// Reconnects per logical connection. The executor's link to the venue is one logical connection
// carried by two sockets (public and private): one network blip drops both, and the seed's
// "≤ 5 WS reconnects in 8 h" counts that blip once. So drops that overlap, or start within
// `windowMs` of each other, form one episode, and an episode counts once, at its first reconnect.

export interface ReconnectEpisodesOptions {
  /** Drops starting this close to an episode's first drop belong to it (default 10 s). */
  windowMs?: number;
  now?: () => number;
}

export class ReconnectEpisodes {
  private readonly windowMs: number;
  private readonly now: () => number;
  /** Channels dropped and not yet open again. */
  private readonly down = new Set<string>();
  private episodeStart: number | undefined;
  private episodeCounted = false;
  private total = 0;

  constructor(options: ReconnectEpisodesOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Episodes counted so far. */
  get count(): number {
    return this.total;
  }

  /** A socket of `channel` that was open is gone. */
  dropped(channel: string): void {
    const now = this.now();
    const joins = this.down.size > 0 || (this.episodeStart !== undefined && now - this.episodeStart <= this.windowMs);
    if (!joins) {
      this.episodeStart = now;
      this.episodeCounted = false;
    }
    this.down.add(channel);
  }

  /** `channel` is open again; returns true when this reconnect starts a new count. */
  reopened(channel: string): boolean {
    const wasDown = this.down.delete(channel);
    if (!wasDown) {
      // A reconnect whose drop went unseen (not expected from BitunixWs): count it on its own.
      this.episodeStart = this.now();
      this.episodeCounted = true;
      this.total++;
      return true;
    }
    if (this.episodeCounted) return false;
    this.episodeCounted = true;
    this.total++;
    return true;
  }
}
