/**
 * The targets in the order to run them in round `round` (1-based): each round
 * starts one target later (A B C, B C A, …), so no target always runs first
 * or last while the machine's speed drifts.
 */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  return targets.map((_, i) => targets[(i + round - 1) % targets.length] as T);
}
