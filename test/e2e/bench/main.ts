/** `npm run bench:webview` second part: the dashboard's speeds in a real VS Code, against the targets of issue 12. */
import { benchVsCode } from './vscodeBench';

const ROWS: [string, string, number | undefined][] = [
  ['finishedFirstOpenMs', 'finished 300-step run: dashboard drawn, first open in the window', 1000],
  ['finishedReopenMedianMs', 'finished 300-step run: dashboard drawn, reopened (median)', 1000],
  ['finishedReopenBestMs', 'finished 300-step run: dashboard drawn, reopened (best)', undefined],
  ['previewSwitchMedianMs', 'a finished run clicked while the preview dashboard is open: drawn (median)', 1000],
  ['previewSwitchWorstMs', 'a finished run clicked while the preview dashboard is open: drawn (worst)', 1000],
  ['dashboardShownMs', 'Start Run: Enter → dashboard ready', undefined],
  ['trainerStartEventMs', 'Start Run: Enter → trainer start event', undefined],
  ['trainerFirstStepMs', 'Start Run: Enter → trainer first step', undefined],
  ['firstLossPointMs', 'Start Run: Enter → first loss point on the dashboard', 2000],
];

async function main(): Promise<void> {
  const { figures, stages } = await benchVsCode();
  console.log('\nMoE Lens in a real VS Code (code-server 4.100.3, headless Chromium); figures in ms');
  console.log('| figure | ms | target |');
  console.log('|---|---:|---:|');
  for (const [key, label, target] of ROWS) {
    const value = figures[key];
    const verdict = target === undefined || value === undefined ? '' : `${value <= target ? '≤' : '>'} ${target}`;
    console.log(`| ${label} | ${value ?? '–'} | ${verdict} |`);
  }
  for (const [what, stage] of Object.entries(stages)) {
    console.log(`\nWhere the time goes: ${what} (ms)`);
    console.log('| stage | ms |');
    console.log('|---|---:|');
    for (const [label, ms] of Object.entries(stage)) console.log(`| ${label} | ${Number.isFinite(ms) ? ms : '–'} |`);
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
