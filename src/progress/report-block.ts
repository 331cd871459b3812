// The periodic report on the terminal: a block per report, printed whatever --no-progress says
// and whether or not stderr is a terminal (the seed's users read it in CI logs as on screen).
import type { Bus } from '../bus/bus.ts';
import { formatReportBlock } from '../bus/report.ts';
import { maskSecrets } from '../shared/secrets.ts';

export function printReportsOn(bus: Bus, out: NodeJS.WritableStream): void {
  // The final report is part of the summary printed with the verdict (summary.ts).
  bus.on('report', (report) => {
    if (!report.final) out.write(maskSecrets(formatReportBlock(report)));
  });
}
