/** The two-column Markdown table the run scripts print (chaos, production-check): `| check | result |`. */
export function reportTable(head: string, rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(head.length, ...rows.map(([k]) => k.length));
  return (
    `| ${head.padEnd(width)} | result |\n|${'-'.repeat(width + 2)}|--------|\n` +
    rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`).join('\n')
  );
}
