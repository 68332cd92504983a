// NG602 inf-mask-softmax: masked positions filled with -inf before a softmax.
//
// What it does: flags a -inf fill value (`float('-inf')`, `-np.inf`, `-jnp.inf`, `-torch.inf`,
// `-math.inf`, `-Infinity`) written by `masked_fill`, `where`, `fill` or `x[mask] = ...` whose
// result reaches a softmax or log_softmax, directly or through variables (a +inf fill negated on
// the way counts too). Causal masks built with `triu`/`tril` keep the diagonal, so no row is
// ever fully masked: those stay silent.
// Why is this bad? A row whose every position is masked (a padded sequence, a query with no valid
// key) is all -inf; softmax subtracts the row maximum, -inf - (-inf) is NaN, and the NaN spreads
// through the attention output into the loss and every gradient.
// Use instead: `torch.finfo(x.dtype).min` (`jnp.finfo`, `np.finfo`): exp of it is exactly 0 next
// to any real score, and a fully masked row becomes uniform instead of NaN.
// Fix safety: safe. Rows with at least one unmasked position give the same result; only the rows
// that were NaN change.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import {
  binaryParts,
  calleeLastName,
  callParts,
  memberParts,
  stringValue,
  unaryParts,
  unwrap,
} from '../engine/syntax';
import type { Rule } from '../engine/types';
import { fillSites, finfoReplacement, type FillSite } from './mask-fills';

const INFINITY_NAMES = new Set([
  'numpy.inf',
  'numpy.Inf',
  'numpy.infty',
  'numpy.PINF',
  'math.inf',
  'torch.inf',
  'jax.numpy.inf',
  'Infinity',
  'Number.POSITIVE_INFINITY',
]);
const NEGATIVE_INFINITY_NAMES = new Set(['numpy.NINF', 'Number.NEGATIVE_INFINITY']);
const SOFTMAX_NAMES = new Set(['softmax', 'log_softmax', 'logSoftmax']);
const CAUSAL = new Set(['triu', 'tril', 'band_part', 'triu_', 'tril_']);

export const infMaskSoftmax: Rule = {
  meta: {
    code: 'NG602',
    name: 'inf-mask-softmax',
    family: 'half-precision',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /oftmax/,
    summary: 'Masked scores are filled with -inf before a softmax, so a fully masked row is NaN.',
    explanation:
      'A row whose every position is masked is all -inf; softmax subtracts the row maximum and ' +
      '-inf - (-inf) is NaN, which then spreads into the loss and every gradient. Fill with ' +
      'torch.finfo(x.dtype).min instead: exp of it is exactly 0 beside any real score.',
  },
  create(context) {
    const { model } = context;
    const fills = new Map<number, InfinityFill>();
    const softmaxes: Operation[] = [];
    return {
      call: (node) => {
        collectFills(node);
        const name = calleeLastName(node);
        if (name === null || !SOFTMAX_NAMES.has(name)) return;
        const operation = model.operation(node);
        if (operation && (operation.op === 'softmax' || operation.op === 'log_softmax')) {
          softmaxes.push(operation);
        }
      },
      assignment: (node) => collectFills(node),
      end: () => {
        const reported = new Set<number>();
        for (const softmax of softmaxes) {
          if (!softmax.input) continue;
          const reaching = infFillsFeeding(model, softmax.input, fills, softmax.node, false);
          for (const { fill, negated } of reaching) {
            // `-x.masked_fill(m, inf)` reaches the softmax as -inf too; `-(-inf)` does not.
            if (fill.negative === negated || reported.has(fill.site.value.id)) continue;
            reported.add(fill.site.value.id);
            report(fill, softmax.node);
          }
        }
      },
    };

    function collectFills(node: Node): void {
      for (const site of fillSites(model, node)) {
        const value = model.resolve(site.value);
        if (isNegativeInfinity(model, value)) fills.set(site.node.id, { site, negative: true });
        else if (isPositiveInfinity(model, value)) {
          fills.set(site.node.id, { site, negative: false });
        }
      }
    }

    function report({ site, negative }: InfinityFill, softmax: Node): void {
      context.report({
        node: site.value,
        message: t(
          'Masked positions are filled with -inf before a softmax: a row that is masked entirely becomes -inf - (-inf) = NaN. Fill with the most negative finite value, torch.finfo(x.dtype).min.',
        ),
        related: [{ node: softmax, message: t('The masked scores are normalised here.') }],
        fixes: () => {
          const edits =
            model.dialect === 'python' ? finfoReplacement(model, site, negative, false) : null;
          if (!edits) return [];
          const title = negative
            ? t("Use the dtype's finfo().min")
            : t("Use the dtype's finfo().max");
          return [{ title, safe: true, edits }];
        },
      });
    }
  },
};

/** An infinite fill value and its sign as written. */
interface InfinityFill {
  site: FillSite;
  negative: boolean;
}

/** True for `float('-inf')`, `-np.inf`, `-float('inf')`, `np.NINF`, `-Infinity`. */
export function isNegativeInfinity(model: Model, node: Node): boolean {
  const inner = unwrap(node);
  const unary = unaryParts(inner);
  if (unary?.operator === '-') return isPositiveInfinity(model, unary.argument);
  const qualified = model.qualifiedName(inner);
  if (qualified && NEGATIVE_INFINITY_NAMES.has(qualified)) return true;
  return floatOfString(model, inner)?.toLowerCase() === '-inf';
}

export function isPositiveInfinity(model: Model, node: Node): boolean {
  const inner = unwrap(node);
  const qualified = model.qualifiedName(inner);
  if (qualified && INFINITY_NAMES.has(qualified)) return true;
  const text = floatOfString(model, inner)?.toLowerCase();
  return text === 'inf' || text === 'infinity' || text === '+inf';
}

/** The string inside `float('...')`, or null. */
function floatOfString(model: Model, node: Node): string | null {
  const call = callParts(node);
  if (!call || call.args.length !== 1) return null;
  if (model.qualifiedName(call.callee) !== 'builtins.float') return null;
  return stringValue(call.args[0]);
}

/**
 * The infinite fills whose result reaches `node`, looking through variables and arithmetic, and
 * through subscript assignments (`scores[~mask] = -inf` then `softmax(scores)`), with whether the
 * path negates them (a unary minus, the right side of a subtraction). A path through
 * `triu`/`tril` is a causal mask, which never masks a whole row.
 */
function infFillsFeeding(
  model: Model,
  node: Node,
  fills: Map<number, InfinityFill>,
  site: Node,
  negated: boolean,
  depth = 0,
): { fill: InfinityFill; negated: boolean }[] {
  if (depth > 8) return [];
  const value = model.resolve(node);
  const direct = fills.get(value.id);
  if (direct) return [{ fill: direct, negated }];
  if (isCausalMask(value)) return [];
  if (value.type === 'identifier') {
    return subscriptFillsOf(model, value, fills, site).map((fill) => ({ fill, negated }));
  }
  const unary = unaryParts(value);
  if (unary?.operator === '-') {
    return infFillsFeeding(model, unary.argument, fills, site, !negated, depth + 1);
  }
  const subtraction = binaryParts(value);
  const found: { fill: InfinityFill; negated: boolean }[] = [];
  for (const child of value.namedChildren) {
    if (!child) continue;
    const flips = subtraction?.operator === '-' && child.id === subtraction.right.id;
    found.push(
      ...infFillsFeeding(model, child, fills, site, flips ? !negated : negated, depth + 1),
    );
  }
  return found;
}

function isCausalMask(node: Node): boolean {
  const call = callParts(node);
  if (!call) return false;
  const callee = unwrap(call.callee);
  const name = memberParts(callee)?.property ?? callee.text;
  return CAUSAL.has(name);
}

/** `name[...] = -inf` assignments before `site`, in the scope where `name` is read. */
function subscriptFillsOf(
  model: Model,
  identifier: Node,
  fills: Map<number, InfinityFill>,
  site: Node,
): InfinityFill[] {
  const scope = model.scopeOf(identifier);
  return [...fills.values()].filter(
    (fill) =>
      fill.site.node.type === 'assignment' &&
      fill.site.tensor?.text === identifier.text &&
      fill.site.node.startIndex < site.startIndex &&
      model.scopeOf(fill.site.node).id === scope.id,
  );
}
