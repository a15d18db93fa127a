// `npm run reliability:report`: docs/RELIABILITY.md from the results the last
// `npm run test:reliability` left in test-output/reliability/.
import { writeReliabilityReport } from './lib/write-report.js';

process.exitCode = writeReliabilityReport();
