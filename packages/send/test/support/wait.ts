/** Yields to the event loop until `condition()` holds. No wall-clock limit: the
 *  test runner's own timeout catches a condition that never comes true. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}
