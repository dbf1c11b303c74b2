/**
 * The public API report: every name the package's two entry points export, with its kind, written to
 * api/backend-link.api.md. test/api/api-report.test.ts fails when the exported surface differs from the
 * committed file, so that a change of API is a visible, deliberate diff.
 *
 *   npm run api:report            # writes api/backend-link.api.md
 *   npm run api:report -- --check # exits 1 and prints the difference when the file is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { API_REPORT_FILE, ApiReportError, apiReportText, diffApiReports } from './support/api-report';

let text: string;
try {
  text = apiReportText();
} catch (error) {
  if (!(error instanceof ApiReportError)) throw error;
  console.error(`api:report: ${error.message}`);
  process.exit(1);
}
if (process.argv.includes('--check')) {
  const committed = readFileSync(API_REPORT_FILE, 'utf8');
  const diff = diffApiReports(committed, text);
  if (diff) {
    console.error(`${API_REPORT_FILE} is out of date:\n${diff}\nRun \`npm run api:report\` and commit it.`);
    process.exitCode = 1;
  } else {
    console.log(`${API_REPORT_FILE} is up to date`);
  }
} else {
  writeFileSync(API_REPORT_FILE, text);
  console.log(`wrote ${API_REPORT_FILE}`);
}
