// Shared settings of the property tests: a modest run count in the normal test run, the
// big one from FUZZ_RUNS (`pnpm fuzz` sets 100000).
export const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/**
 * Resolves with the promise's outcome if it settles within `turns` turns of the event
 * loop (setImmediate), else with "hang". Deterministic, not a wall-clock limit: a read
 * from an in-memory source that has ended must settle in a few turns.
 */
export async function settleWithin<T>(
  promise: Promise<T>,
  turns = 100,
): Promise<{ value: T } | { error: unknown } | "hang"> {
  let outcome: { value: T } | { error: unknown } | undefined;
  promise.then(
    (value) => {
      outcome = { value };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  for (let i = 0; i < turns && outcome === undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return outcome ?? "hang";
}
