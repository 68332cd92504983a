// Applying text edits: to a string (the CLI's --fix and the tests) with the same semantics as an
// LSP WorkspaceEdit. Identical edits are applied once (two fixes that add the same import) and
// edits that overlap an earlier one are left out, to be retried after re-analysis.

import { computeLineStarts } from './model';
import type { Position, TextEdit } from './types';

export function offsetAt(lineStarts: number[], text: string, position: Position): number {
  if (position.line >= lineStarts.length) return text.length;
  const lineStart = lineStarts[position.line];
  const nextLine =
    position.line + 1 < lineStarts.length ? lineStarts[position.line + 1] : text.length;
  return Math.min(lineStart + position.character, nextLine);
}

export interface AppliedEdits {
  text: string;
  applied: number;
  skipped: number;
}

/**
 * Applies groups of edits (one group per fix). A group applies whole or not at all: when any of
 * its edits overlaps an edit already taken, the group is skipped.
 */
export function applyEditGroups(text: string, groups: TextEdit[][]): AppliedEdits {
  const lineStarts = computeLineStarts(text);
  const taken: { start: number; end: number; newText: string }[] = [];
  let applied = 0;
  let skipped = 0;

  for (const group of groups) {
    const spans = group.map((edit) => ({
      start: offsetAt(lineStarts, text, edit.range.start),
      end: offsetAt(lineStarts, text, edit.range.end),
      newText: edit.newText,
    }));
    const fresh = spans.filter((span) => !taken.some((other) => sameSpan(span, other)));
    const clashes = fresh.some((span) => taken.some((other) => overlaps(span, other)));
    if (clashes) {
      skipped++;
      continue;
    }
    taken.push(...fresh);
    applied++;
  }

  // Apply from the end so earlier offsets stay valid; at one offset, the later edit goes first so
  // that insertions keep the order in which they were taken.
  const ordered = taken.map((span, order) => ({ ...span, order }));
  ordered.sort((a, b) => b.start - a.start || b.end - a.end || b.order - a.order);
  let result = text;
  for (const span of ordered) {
    result = result.slice(0, span.start) + span.newText + result.slice(span.end);
  }
  return { text: result, applied, skipped };
}

function sameSpan(
  a: { start: number; end: number; newText: string },
  b: { start: number; end: number; newText: string },
): boolean {
  return a.start === b.start && a.end === b.end && a.newText === b.newText;
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  // Insertions never clash with each other (they go in order); one touching a replacement's edge
  // does not clash either. A replacement clashes with anything strictly inside it.
  if (a.start === a.end && b.start === b.end) return false;
  if (a.start === a.end) return b.start < a.start && a.start < b.end;
  if (b.start === b.end) return a.start < b.start && b.start < a.end;
  return a.start < b.end && b.start < a.end;
}

/**
 * The lengths of the longest common prefix of two texts and of their longest common suffix
 * after it: what lies between is all that differs.
 */
export function commonEnds(before: string, after: string): { prefix: number; suffix: number } {
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < shorter - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  return { prefix, suffix };
}
