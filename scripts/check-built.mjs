// Runs before `npm run start:api` / `start:worker` (npm's pre-scripts): the
// compiled entry must exist, or the user gets one line saying what to do
// instead of Node's module-not-found stack trace.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = process.argv[2] ?? 'server';
const file = fileURLToPath(new URL(`../dist/${entry}.js`, import.meta.url));
if (!existsSync(file)) {
  process.stderr.write(
    `dist/${entry}.js does not exist yet: run npm run build first (or npm run dev to run from the sources)\n`,
  );
  process.exit(1);
}
