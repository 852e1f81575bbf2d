import type { ScheduledEvent } from "./sim-clock";

export interface QueuedEvent extends ScheduledEvent {
  readonly at: number;
  readonly seq: number;
  callback: (() => void) | undefined;
  index: number;
}

/**
 * A binary min-heap ordered by (time, insertion order): events due at the same
 * instant run in the order they were scheduled, which keeps runs reproducible.
 * Cancelled events are removed in place so a long run with many re-armed
 * timers does not accumulate garbage.
 */
export class EventQueue {
  #heap: QueuedEvent[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, callback: () => void): QueuedEvent {
    const event: QueuedEvent = { at, seq: this.#seq++, callback, index: this.#heap.length };
    this.#heap.push(event);
    this.#up(event.index);
    return event;
  }

  peek(): QueuedEvent | undefined {
    return this.#heap[0];
  }

  pop(): QueuedEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    this.#removeAt(0);
    return top;
  }

  remove(event: QueuedEvent): void {
    const heap = this.#heap;
    if (event.index < heap.length && heap[event.index] === event) this.#removeAt(event.index);
    event.callback = undefined;
  }

  #removeAt(index: number): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (index < heap.length) {
      heap[index] = last;
      last.index = index;
      this.#down(index);
      this.#up(index);
    }
  }

  #less(a: QueuedEvent, b: QueuedEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #up(index: number): void {
    const heap = this.#heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#less(heap[index]!, heap[parent]!)) break;
      this.#swap(index, parent);
      index = parent;
    }
  }

  #down(index: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.#less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.#less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      this.#swap(index, smallest);
      index = smallest;
    }
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    const ea = heap[a]!;
    const eb = heap[b]!;
    heap[a] = eb;
    heap[b] = ea;
    ea.index = b;
    eb.index = a;
  }
}
