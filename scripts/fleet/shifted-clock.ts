/**
 * Preload (`node --import`) that shifts a process's wall clock by LB_SIM_CLOCK_OFFSET_MS, as a kiosk
 * whose clock jumped would see it: `Date.now()` and `new Date()` move, the monotonic clock
 * (`performance.now()`) does not. The chaos runner starts kiosk agents with it (no libfaketime here).
 */
const offset = Number(process.env.LB_SIM_CLOCK_OFFSET_MS ?? 0);

if (Number.isFinite(offset) && offset !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(realNow() + offset);
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return realNow() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}

export {};
