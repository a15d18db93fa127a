/**
 * Steps to undo, run in reverse order even when one fails: every process and
 * namespace a scenario made goes away whether its assertions passed or not.
 * @example const cleanup = createCleanup(); cleanup.add(() => redis.destroy()); afterAll(() => cleanup.run());
 */
export function createCleanup(): { add(step: () => unknown): void; run(): Promise<void> } {
  const steps: (() => unknown)[] = [];
  return {
    add: (step) => void steps.push(step),
    async run() {
      const errors: unknown[] = [];
      for (const step of steps.splice(0).reverse()) {
        try {
          await step();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) throw new AggregateError(errors, `${errors.length} clean-up step(s) failed`);
    },
  };
}
