// NG101 naive-softmax: `exp(x) / sum(exp(x))` written by hand.
//
// What it does: flags an `exp` whose result is divided by a total built from that same exp, when
// the exponent is not shifted by its maximum first.
// Why is this bad? `exp` overflows float32 above about 88.7 (float64 above about 709.8), so one
// large logit makes the numerator and the denominator inf, and inf / inf is NaN. Very negative
// logits underflow every term to 0 and give 0 / 0 = NaN.
// Use instead: the library softmax over the same axis (it subtracts the max internally), or
// `exp(x - max(x))` where no library softmax fits.
// Fix safety: safe. The library softmax returns the same values on every input where the
// hand-written form is finite. An `e = exp(x)` that only fed the division is removed with it.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { callParts, contains, typeOf, unwrap } from '../engine/syntax';
import type { Fix, Rule, TextEdit } from '../engine/types';
import { ownsItsLines, removeLines } from '../training-loop/gradient-steps';
import { manualSigmoidAt } from './manual-sigmoid';
import {
  axisArgument,
  dependsOn,
  expValue,
  isShiftedOrBounded,
  stableBetween,
} from '../engine/values';
import { isConstantExponent } from './constant-exponent';

/** The library softmax for each library, with the name of its axis keyword. */
const LIBRARY_SOFTMAX: Partial<Record<Operation['library'], { names: string[]; axis: string }>> = {
  numpy: { names: ['scipy.special.softmax'], axis: 'axis' },
  scipy: { names: ['scipy.special.softmax'], axis: 'axis' },
  torch: { names: ['torch.softmax', 'torch.nn.functional.softmax'], axis: 'dim' },
  tensorflow: { names: ['tensorflow.nn.softmax'], axis: 'axis' },
  jax: { names: ['jax.nn.softmax'], axis: 'axis' },
};

export const naiveSoftmax: Rule = {
  meta: {
    code: 'NG101',
    name: 'naive-softmax',
    family: 'exp-overflow',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /exp/,
    summary: 'Softmax written by hand as exp(x) / sum(exp(x)) without subtracting the maximum.',
    explanation:
      'exp overflows float32 above about 88.7 (float64 above about 709.8): one large logit turns ' +
      'numerator and denominator into inf, and inf / inf is NaN; very negative logits give 0 / 0. ' +
      'Use the library softmax, which subtracts the maximum first, or exp(x - max(x)).',
  },
  create(context) {
    const { model } = context;
    return {
      binary: (node) => check(node),
      call: (node) => check(node),
    };

    function check(node: Node): void {
      const division = model.arithmetic(node);
      if (!division || division.operator !== '/') return;
      // exp(x) / (1 + exp(x)) is a sigmoid by hand, which NG103 reports.
      if (manualSigmoidAt(model, node)) return;
      const exp = expValue(model, division.left);
      if (!exp || !exp.input || isShiftedOrBounded(model, exp.input)) return;
      if (isConstantExponent(model, exp.input)) return;
      const sameExp = (value: Node): boolean => {
        if (value.id === exp.node.id) return true;
        const other = model.operation(value);
        return other?.op === 'exp' && other.input?.text === exp.input?.text;
      };
      // A softmax divides by a total: `z / (1.0 - z)` and `z / (1 - z) ** 2` are other formulas.
      const denominator = model.arithmetic(model.resolve(division.right));
      if (denominator && denominator.operator !== '+') return;
      if (!dependsOn(model, division.right, sameExp)) return;

      context.report({
        node: exp.node,
        message: t(
          'exp() of unshifted values is divided by their sum: a softmax by hand. exp overflows float32 above ~88.7, giving inf / inf = NaN; use a library softmax or subtract the max first.',
        ),
        related: [{ node: division.node, message: t('The exp is normalised here.') }],
        fixes: () => buildFixes(model, exp, division.node, division.right),
      });
    }
  },
};

function buildFixes(model: Model, exp: Operation, division: Node, denominator: Node): Fix[] {
  const input = exp.input;
  const total = model.operation(model.resolve(denominator));
  if (!input || !total || total.op !== 'sum' || !total.input) return [];
  const summedExp = expValue(model, total.input);
  if (summedExp?.node.id !== exp.node.id && summedExp?.input?.text !== input.text) return [];
  // `np.exp(x, out=x)` overwrites its input: any rewrite would change what `x` holds after.
  if (callParts(exp.node)?.keywords.has('out')) return [];
  // The library call would read the input at the division: where it means something else there
  // (`x = np.exp(x)`, or changed by a loop), the shift goes into the exps where they are.
  if (!stableBetween(model, input, division)) {
    const shifted = maxShiftFix(model, [exp, summedExp]);
    return shifted ? [shifted] : [];
  }

  const axis = axisArgument(total);
  const library = LIBRARY_SOFTMAX[exp.library];
  if (library && axis) {
    const args = `${model.source(input)}, ${library.axis}=${model.source(axis)}`;
    return [libraryFix(model, library.names, exp, division, args, true)];
  }
  if (!axis && (exp.library === 'numpy' || exp.library === 'scipy')) {
    // scipy.special.softmax with no axis normalises over every element, as the plain sum does.
    return [libraryFix(model, ['scipy.special.softmax'], exp, division, model.source(input), true)];
  }
  if (exp.library === 'tfjs' && (!axis || model.source(axis) === '-1')) {
    // tf.softmax normalises over the last axis: the same as a plain sum for a 1-D tensor only.
    const safe = axis !== null;
    return [libraryFix(model, ['tfjs.softmax'], exp, division, model.source(input), safe)];
  }
  const shifted = maxShiftFix(model, [exp, summedExp]);
  return shifted ? [shifted] : [];
}

function displayName(qualified: string): string {
  return qualified.replace(/^tensorflow\./, 'tf.').replace(/^tfjs\./, 'tf.');
}

/** The division becomes the library softmax; an `e = exp(x)` that only fed it goes too. */
function libraryFix(
  model: Model,
  names: string[],
  exp: Operation,
  division: Node,
  args: string,
  safe: boolean,
): Fix {
  const reference = model.reference(...names);
  const edits: TextEdit[] = [model.replace(division, `${reference.text}(${args})`)];
  const orphan = orphanedExp(model, exp, division);
  if (orphan) edits.push(removeLines(model, orphan));
  if (reference.importEdit) edits.push(reference.importEdit);
  return { title: t('Use {0}', displayName(names[0])), safe, edits };
}

/**
 * The statement `e = exp(x)` whose only reader is the division the library softmax replaces.
 * Left in, it would still compute the exp for nothing, and overflow (a warning, or an error
 * under `np.seterr(all="raise")`). Null unless it is a statement of a function's own body (a
 * module's or a class's names can be read from outside the file) that binds one plain local
 * name to the exp alone (an `out=` argument writes elsewhere), on a line of its own, beside
 * other statements, and the name appears nowhere else in the function's text.
 */
function orphanedExp(model: Model, exp: Operation, division: Node): Node | null {
  if (contains(division, exp.node)) return null;
  const call = callParts(exp.node);
  if (!call || call.keywords.size > 0 || call.args.length > 1) return null;
  // From the function down, not from the exp up: tree-sitter finds a parent by walking down from
  // the root, which in a long file costs a pass over its top-level statements each time.
  const scope = model.scopeOf(exp.node);
  if (!FUNCTION_SCOPES.has(typeOf(scope))) return null;
  const statements = (scope.childForFieldName('body')?.namedChildren ?? []).filter(
    (child): child is Node => child !== null && child.type !== 'comment',
  );
  const statement = statements.find((child) => contains(child, exp.node));
  const binding = statement ? singleBinding(statement) : null;
  if (!statement || !binding || unwrap(binding.value).id !== exp.node.id) return null;
  if (statements.length < 2 || !ownsItsLines(model, statement)) return null;
  // Every occurrence of the name in the function's text must be the binding or inside the
  // division. Counting words over-counts (strings, comments, attributes), which only keeps the
  // line; a real reader is never missed.
  const name = binding.name.text;
  const word = new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
  const inFunction = model.source(scope).match(word)?.length ?? 0;
  const inDivision = model.source(division).match(word)?.length ?? 0;
  return inFunction === inDivision + 1 ? statement : null;
}

const FUNCTION_SCOPES = new Set([
  'function_definition',
  'function_declaration',
  'function_expression',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
]);

/** `name = value` in Python, `const name = value;` (one declarator) in TypeScript. */
function singleBinding(statement: Node): { name: Node; value: Node } | null {
  const type = typeOf(statement);
  if (type === 'expression_statement') {
    const assignment = statement.namedChildren[0];
    if (statement.namedChildCount !== 1 || assignment?.type !== 'assignment') return null;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (assignment.childForFieldName('type') || left?.type !== 'identifier' || !right) return null;
    return { name: left, value: right };
  }
  if (type === 'lexical_declaration' || type === 'variable_declaration') {
    const declarator = statement.namedChildren[0];
    if (statement.namedChildCount !== 1 || declarator?.type !== 'variable_declarator') return null;
    const name = declarator.childForFieldName('name');
    const value = declarator.childForFieldName('value');
    return name?.type === 'identifier' && value ? { name, value } : null;
  }
  return null;
}

/**
 * Subtracts the global maximum inside each exp: `exp(x - x.max())`. Used where no library softmax
 * has the same reduction (a sum over every element of a tensor). Only for a plain name or
 * attribute, which can be repeated without computing anything twice.
 */
function maxShiftFix(model: Model, exps: (Operation | null)[]): Fix | null {
  const edits = [];
  const seen = new Set<number>();
  for (const exp of exps) {
    if (!exp?.input || seen.has(exp.node.id)) continue;
    seen.add(exp.node.id);
    const input = model.source(exp.input);
    if (!/^[A-Za-z_$][\w$.]*$/.test(input)) return null;
    const maximum = maxOf(model, exp.library, input);
    if (!maximum) return null;
    edits.push(model.replace(exp.input, `${input} - ${maximum}`));
  }
  if (edits.length === 0) return null;
  return { title: t('Subtract the maximum before exp'), safe: true, edits };
}

function maxOf(model: Model, library: Operation['library'], input: string): string | null {
  switch (library) {
    case 'numpy':
    case 'torch':
    case 'jax':
      return `${input}.max()`;
    case 'tensorflow':
      return `${model.reference('tensorflow.reduce_max').text}(${input})`;
    case 'tfjs':
      return `${input}.max()`;
    default:
      return null;
  }
}
