/** K-way merge of sorted record streams with a binary heap (spilled runs, map outputs, external sort). */

interface Head<T> {
  value: T;
  source: Iterator<T>;
  /** Position of the stream among the inputs: ties go to the earlier stream, which keeps the merge stable. */
  rank: number;
}

/**
 * Merges streams each sorted by `cmp` into one sorted stream. With `checkSorted`, a stream that
 * goes backwards raises `onUnsorted(rank)`.
 */
export function* mergeSorted<T>(
  sources: Iterator<T>[], cmp: (a: T, b: T) => number, onUnsorted?: (rank: number) => Error,
): Generator<T, void, undefined> {
  const heap: Head<T>[] = [];
  const before = (a: Head<T>, b: Head<T>): boolean => {
    const c = cmp(a.value, b.value);
    return c < 0 || (c === 0 && a.rank < b.rank);
  };
  const siftDown = (i: number): void => {
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && before(heap[l], heap[m])) m = l;
      if (r < n && before(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  try {
    for (let rank = 0; rank < sources.length; rank++) {
      const it = sources[rank].next();
      if (!it.done) heap.push({ value: it.value, source: sources[rank], rank });
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
    while (heap.length > 0) {
      const top = heap[0];
      const value = top.value;
      yield value;
      const it = top.source.next();
      if (it.done) {
        const last = heap.pop()!;
        if (heap.length === 0) break;
        heap[0] = last;
      } else {
        if (onUnsorted !== undefined && cmp(it.value, value) < 0) throw onUnsorted(top.rank);
        top.value = it.value;
      }
      siftDown(0);
    }
  } finally {
    for (const s of sources) s.return?.();
  }
}
