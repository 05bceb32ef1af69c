// GraphQL-over-HTTP conformance audit (graphql-http) against a running Sanshi API.
// Usage: node audit-http.mjs http://127.0.0.1:8000/graphql
// Prints one JSON object: counts per status and the non-ok results. Exit 1 on any error.
import { auditServer } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8000/graphql';
const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const findings = [];
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    const body = result.response ? await result.response.text().catch(() => '') : '';
    findings.push({ id: result.id, status: result.status, name: result.name, reason: result.reason, body: body.slice(0, 300) });
  }
}
console.log(JSON.stringify({ url, counts, findings }, null, 2));
process.exit(counts.error > 0 ? 1 : 0);
