// Which files set the memory peak of a workspace scan: runs the server's scan thread (the built
// dist/scanWorker.js, with its heap cap) over the folders given, file by file, sampling this
// process's RSS every 20 ms, and prints the peak, the file being analysed at the peak, the files
// whose analysis grew the RSS most, and the files the capped thread could not hold.
//
//   npm run build && node --import tsx scripts/bench/scan-peak.ts [folder…]
//
// Without folders: the benchmark's corpus (Debian's torch, scipy and sklearn). The figures are of
// this process, whose own footprint stands in for the server's.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SETTINGS } from '../../server/protocol';
import { createFileAnalyser } from '../../server/scanThread';
import { discoverFiles } from '../../rules/project/files';
import { recordingLogger } from '../../test/server/support/logger';

const SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 'scanWorker.js');
const DEFAULT_FOLDERS = ['torch', 'scipy', 'sklearn'].map((name) =>
  path.join('/usr/lib/python3/dist-packages', name),
);

const rssMb = () => process.memoryUsage().rss / 1024 / 1024;

async function main(): Promise<void> {
  if (!fs.existsSync(SCRIPT)) throw new Error('dist/scanWorker.js is missing: run npm run build');
  const given = process.argv.slice(2);
  const folders = (given.length > 0 ? given : DEFAULT_FOLDERS).map((folder) =>
    path.resolve(folder),
  );
  const files: string[] = [];
  for await (const file of discoverFiles(folders)) files.push(file);

  const { log, lines } = recordingLogger();
  const analyser = createFileAnalyser({ settings: DEFAULT_SETTINGS, language: 'en' }, log, {
    script: SCRIPT,
  });
  const atStart = rssMb();
  let current = '';
  let peak = { mb: atStart, file: '' };
  const sampler = setInterval(() => {
    const now = rssMb();
    if (now > peak.mb) peak = { mb: now, file: current };
  }, 20);
  const growth: { mb: number; file: string }[] = [];
  const started = performance.now();
  try {
    for (const file of files) {
      current = file;
      const before = rssMb();
      await analyser.analyse(file);
      growth.push({ mb: rssMb() - before, file });
    }
  } finally {
    clearInterval(sampler);
    await analyser.close();
  }

  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${files.length} files in ${seconds.toFixed(1)} s on ${os.availableParallelism()} cores`,
  );
  console.log(
    `RSS at start ${atStart.toFixed(0)} MB, peak ${peak.mb.toFixed(0)} MB while analysing`,
  );
  console.log(`  ${peak.file || '(before the first file)'}`);
  console.log('largest growth of RSS over one file:');
  for (const { mb, file } of growth.sort((a, b) => b.mb - a.mb).slice(0, 5)) {
    console.log(`  +${mb.toFixed(0)} MB  ${file}`);
  }
  const retried = lines.filter((line) => line.startsWith('The scan thread stopped on'));
  console.log(`files the capped thread could not hold: ${retried.length}`);
  for (const line of retried) console.log(`  ${line}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
