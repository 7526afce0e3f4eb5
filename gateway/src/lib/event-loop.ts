/**
 * Long synchronous work in slices. The API shares its event loop with ingest: while a request holds the
 * loop, no kiosk is acked. So no request may hold it for more than 50 ms; work that can take longer
 * calls `pause()` between items, which gives the loop a turn once a slice's time is used up.
 */
export const SLICE_MS = 5;

const waiting: Array<() => void> = [];
let pumping = false;

function resumeOne(): void {
  waiting.shift()?.();
  if (waiting.length > 0) setImmediate(resumeOne);
  else pumping = false;
}

/**
 * Resolves in a later turn of the event loop: sockets, timers and ingest run in between. Pieces of work
 * waiting here resume one per turn, so four uploads at once still cost a turn one slice, not four.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!pumping) {
      pumping = true;
      setImmediate(resumeOne);
    }
  });
}

/** A `pause()` for a loop over many items: a no-op until `sliceMs` have passed since the last turn. */
export function slicer(sliceMs = SLICE_MS): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await nextTurn();
    since = performance.now();
  };
}
