// "Fix all": apply the preferred fix of every finding, re-analyse, and repeat while fixes keep
// applying (a fix may overlap another, or enable a new one), as ruff does. The result is one
// edit covering the span that changed, so the editor keeps the cursor and folding elsewhere.

import { applyEditGroups, commonEnds } from '../rules/engine/edits';
import { computeLineStarts, positionIn } from '../rules/engine/model';
import type { Finding, Fix, TextEdit } from '../rules/engine/types';

/** Enough for fixes that unlock further fixes; a cycle of fixes stops here. */
const MAX_ROUNDS = 10;

export interface FixAllResult {
  text: string;
  /** Fixes applied over all rounds. */
  applied: number;
}

/** The fix that fix-all applies for a finding: its first safe fix, or first fix when allowed. */
export function fixForAll(finding: Finding, includeUnsafe: boolean): Fix | undefined {
  return finding.fixes.find((fix) => fix.safe || includeUnsafe);
}

export function fixAll(
  text: string,
  findings: Finding[],
  reanalyse: (text: string) => Finding[],
  includeUnsafe: boolean,
): FixAllResult {
  let current = text;
  let currentFindings = findings;
  let applied = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const groups = currentFindings
      .map((finding) => fixForAll(finding, includeUnsafe))
      .filter((fix): fix is Fix => fix !== undefined)
      .map((fix) => fix.edits);
    if (groups.length === 0) break;
    const result = applyEditGroups(current, groups);
    if (result.applied === 0 || result.text === current) break;
    current = result.text;
    applied += result.applied;
    currentFindings = reanalyse(current);
  }
  return { text: current, applied };
}

/** One edit turning `before` into `after`: the span between their common prefix and suffix. */
export function minimalEdit(before: string, after: string): TextEdit | null {
  if (before === after) return null;
  let { prefix, suffix } = commonEnds(before, after);
  // Never split a CRLF pair or a surrogate pair between the kept and the replaced text.
  while (prefix > 0 && splitsPair(before, prefix)) prefix--;
  while (suffix > 0 && splitsPair(before, before.length - suffix)) suffix--;

  const lineStarts = computeLineStarts(before);
  return {
    range: {
      start: positionIn(lineStarts, prefix),
      end: positionIn(lineStarts, before.length - suffix),
    },
    newText: after.slice(prefix, after.length - suffix),
  };
}

function splitsPair(text: string, index: number): boolean {
  const previous = text.charCodeAt(index - 1);
  const next = text.charCodeAt(index);
  const crlf = previous === 13 && next === 10;
  const surrogate = previous >= 0xd800 && previous <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
  return crlf || surrogate;
}
