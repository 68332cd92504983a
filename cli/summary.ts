// The closing lines on stderr: what was fixed, what was found, and what --fix could still do.

import { t } from '../rules/engine/l10n';
import type { FileResult, ScanSettings } from './results';

export function summaryLines(results: FileResult[], settings: ScanSettings): string[] {
  const findings = results.flatMap((result) => result.findings);
  const files = results.filter((result) => result.findings.length > 0).length;
  const fixed = results.reduce((total, result) => total + result.fixed, 0);
  const fixedFiles = results.filter((result) => result.fixed > 0).length;
  const lines: string[] = [];

  if (settings.diffOnly) {
    lines.push(t('Would fix {0} in {1}.', problems(fixed), fileCount(fixedFiles)));
    if (findings.length > 0) lines.push(t('{0} would remain.', problems(findings.length)));
    return lines;
  }
  if (settings.fixMode !== 'none') lines.push(t('Fixed {0}.', problems(fixed)));

  // Files skipped or that could not be read were not checked, and are not counted as such.
  const checked = results.filter(
    (result) => result.parsed || result.notes.every((note) => note.kind === 'note'),
  ).length;
  // Files that could not be read make the exit code 2; the summary says so beside the count.
  const unread = results.filter(
    (result) => !result.parsed && result.notes.some((note) => note.kind === 'error'),
  ).length;
  const notChecked =
    unread > 0 ? [t('{0} could not be checked (see above).', fileCount(unread))] : [];
  if (findings.length === 0) {
    lines.push(t('No problems found ({0} checked).', fileCount(checked)), ...notChecked);
    return lines;
  }
  const safe = findings.filter((finding) => finding.fixability === 'safe').length;
  const unsafe = findings.filter((finding) => finding.fixability === 'unsafe').length;
  const found = t(
    'Found {0} in {1}{2}.',
    problems(findings.length),
    fileCount(files),
    hint(settings, safe, unsafe),
  );
  lines.push(found, ...notChecked);
  return lines;
}

function hint(settings: ScanSettings, safe: number, unsafe: number): string {
  if (settings.fixMode === 'none' && safe > 0 && unsafe > 0) {
    return t(' ({0} fixable with --fix, {1} more with --unsafe-fixes)', safe, unsafe);
  }
  if (settings.fixMode === 'none' && safe > 0) return t(' ({0} fixable with --fix)', safe);
  if (settings.fixMode !== 'unsafe' && unsafe > 0) {
    return t(' ({0} fixable with --unsafe-fixes)', unsafe);
  }
  return '';
}

function problems(count: number): string {
  return count === 1 ? t('1 problem') : t('{0} problems', count);
}

function fileCount(count: number): string {
  return count === 1 ? t('1 file') : t('{0} files', count);
}
