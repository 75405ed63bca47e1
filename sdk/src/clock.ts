/**
 * Per-user monotonic time (DESIGN.md, "Order of one user's events"). Messenger times are whole
 * seconds and direct calls carry milliseconds, so a payment update stamped 12:00:05.000 would sort
 * before a lead tracked at 12:00:05.300 while handling the previous update. Each user's next
 * event is therefore stamped max(its own time, that user's last time + 1 ms).
 *
 * Memory is bounded: the clock remembers the last `capacity` users (least recently used first
 * out). A user forgotten and seen again starts afresh, which only matters when the bot has more
 * than `capacity` users active within the span of one clock skew (about a second).
 */
export class UserClock {
  private readonly last = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** The time to stamp on this user's next event, given the event's own time in epoch ms. */
  next(user: string, ms: number): number {
    const previous = this.last.get(user);
    const stamped = previous !== undefined && ms <= previous ? previous + 1 : ms;
    // Re-inserting moves the user to the young end of the Map's insertion order (the LRU order).
    if (previous !== undefined) this.last.delete(user);
    else if (this.last.size >= this.capacity) this.last.delete(this.last.keys().next().value as string);
    this.last.set(user, stamped);
    return stamped;
  }

  get size(): number {
    return this.last.size;
  }
}
