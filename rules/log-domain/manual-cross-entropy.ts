// NG204 manual-cross-entropy: `-sum(y * log(p))` or `y*log(p) + (1-y)*log(1-p)` written by hand.
//
// What it does: flags a cross-entropy computed from probabilities by hand, in the categorical
// form (a sum or mean of target times log-probability, with the minus anywhere) or the binary
// form, whatever produced p.
// Why is this bad? p reaches exactly 0 (a softmax underflows once a logit is about 104 below the
// largest in float32; a sigmoid rounds to 1 above x ≈ 17), log(0) is -inf, and a target of 0
// times -inf is NaN, so even the classes the target ignores poison the loss and its gradient.
// Use instead: the library loss on the logits when they are in reach
// (`tf.nn.softmax_cross_entropy_with_logits`, `F.cross_entropy` with probability targets,
// `F.binary_cross_entropy_with_logits`, `tf.nn.sigmoid_cross_entropy_with_logits`), otherwise
// log_softmax / log-sigmoid in place of log(p), and a dtype-aware floor when p has no logits.
// Fix safety: safe when the logits are in reach (the library loss and the log-domain forms equal
// the original wherever it is finite); unsafe for the floor, which changes values near 0.
//
// One hazard, one diagnostic. This rule reports the binary form always, and the categorical form
// when the library loss can take the whole expression (p is a softmax output and the sum runs
// along an explicit class axis) or when only the cross-entropy's shape says that p is a
// probability. A sum over every element of log(softmax) is left to NG201, and a log of a
// probability recognised on its own (such as a parameter named `probs`) to NG203, whose fixes
// repair the log in place. `ng204Owns` in cross-entropy.ts is the one place that decides.
//
// The products may sit in a variable read once by the reduction (`t = y * log(p)`, then
// `-t.sum(1)`); the library-loss fix then removes that variable's line too.
//
// FIXME: a log kept in its own variable (`log_p = log(p)`, then `-(y * log_p).sum(1)`) is not
// followed; NG201 or NG203 report the log alone there.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { parentOf, unaryParts, unwrap } from '../engine/syntax';
import type { Fix, Rule, TextEdit } from '../engine/types';
import { axisArgument, hasFloor, stableBetween } from '../engine/values';
import { activationOf, activationReads, type Activation } from './activations';
import { crossEntropyAround, ng204Owns, type CrossEntropyShape } from './cross-entropy';
import {
  flooredText,
  logOperation,
  logSigmoidOf,
  logSoftmaxOf,
  type Rewrite,
} from './stable-forms';

export const manualCrossEntropy: Rule = {
  meta: {
    code: 'NG204',
    name: 'manual-cross-entropy',
    family: 'log-domain',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /log/,
    summary:
      'Cross-entropy written by hand from probabilities: -sum(y * log(p)) or its binary form.',
    explanation:
      'p reaches exactly 0 (softmax underflows once a logit is ~104 below the largest in ' +
      'float32), log(0) = -inf, and a zero target times -inf is NaN. Use the library loss on ' +
      'the logits, log_softmax/log-sigmoid in place of log(p), or floor p.',
  },
  create(context) {
    const { model } = context;
    const reported = new Set<number>();
    return {
      call(node: Node) {
        const log = logOperation(model, node);
        if (!log) return;
        const shape = crossEntropyAround(model, log);
        if (!shape || reported.has(shape.top.id) || !ng204Owns(model, shape)) return;
        // A clipped p (`p = np.clip(p, eps, 1 - eps)`) keeps both log(p) and log(1 - p) finite.
        if (shape.logs.some((each) => each.input && hasFloor(model, each.input))) return;
        reported.add(shape.top.id);

        const producer = producerOf(model, shape);
        context.report({
          node: shape.top,
          message: producer
            ? t(
                'Cross-entropy written by hand from {0} probabilities: p rounds to 0 for large logits, log(0) = -inf, and a zero target times -inf is NaN. Compute the loss from the logits instead.',
                producer.op,
              )
            : t(
                'Cross-entropy written by hand: where p is exactly 0, log(p) = -inf and a zero target times -inf is NaN. Floor p at finfo(dtype).tiny, or use the library loss on the logits.',
              ),
          related: producer ? [{ node: producer.node, message: t('p is computed here.') }] : [],
          fixes: () => buildFixes(model, shape, producer),
        });
      },
    };
  },
};

/** The softmax (categorical) or sigmoid (binary) that produced p, when it is in reach. */
function producerOf(model: Model, shape: CrossEntropyShape): Activation | null {
  const probability = shape.logs[0].input;
  if (!probability) return null;
  const producer = activationOf(model, probability);
  const wanted = shape.kind === 'categorical' ? 'softmax' : 'sigmoid';
  if (producer?.op !== wanted || !producer.input) return null;
  return stableBetween(model, activationReads(producer), shape.top) ? producer : null;
}

function buildFixes(model: Model, shape: CrossEntropyShape, producer: Activation | null): Fix[] {
  if (!producer) return floorFix(model, shape);
  const library = libraryLossFix(model, shape, producer);
  const inPlace = logDomainFix(model, shape, producer);
  return [library, inPlace].filter((fix): fix is Fix => fix !== null);
}

/** The whole expression replaced by the library loss on the logits, when it is exact. */
function libraryLossFix(model: Model, shape: CrossEntropyShape, producer: Activation): Fix | null {
  const logits = producer.input ? model.source(producer.input) : null;
  const target = model.source(shape.target);
  if (!logits) return null;
  const call =
    shape.kind === 'binary'
      ? binaryLossCall(model, producer, logits, target)
      : categoricalLossCall(model, shape, producer, logits, target);
  if (!call) return null;
  const edits = [...call.imports];
  const outerMinus = shape.positive ? null : minusAroundReduction(model, shape.top);
  if (outerMinus) edits.push(outerMinus);
  if (shape.assignment) {
    // The variable holding the products is read only by the expression the loss replaces.
    const removal = statementRemoval(model, shape.assignment);
    if (!removal) return null;
    edits.push(removal);
  }
  const text = shape.positive || outerMinus ? call.text : `-${call.text}`;
  // A call needs no parentheses: `(y * log(p) + ...).mean()` becomes `loss(...).mean()`.
  const replaced =
    shape.top.parent?.type === 'parenthesized_expression' ? shape.top.parent : shape.top;
  return {
    title: t('Use {0} on the logits', call.name),
    safe: true,
    edits: [model.replace(text.startsWith('-') ? shape.top : replaced, text), ...edits],
  };
}

/**
 * `-(y * log(p) + ...).mean()`: the minus outside the mean cancels the one the library loss
 * would need, so the fix deletes it instead of writing `-(-loss).mean()`.
 */
function minusAroundReduction(model: Model, top: Node): TextEdit | null {
  const use = consumerOf(top);
  if (!use) return null;
  const reduction = model.operation(use);
  if (!reduction || !['sum', 'mean'].includes(reduction.op) || !reduction.input) return null;
  if (unwrap(reduction.input).id !== unwrap(top).id) return null;
  let outer = parentOf(reduction.node);
  while (outer?.type === 'parenthesized_expression') outer = parentOf(outer);
  const minus = outer ? unaryParts(outer) : null;
  if (!outer || minus?.operator !== '-') return null;
  return {
    range: {
      start: model.positionAt(outer.startIndex),
      end: model.positionAt(minus.argument.startIndex),
    },
    newText: '',
  };
}

/** An edit deleting a statement that has its lines to itself, or null. */
function statementRemoval(model: Model, statement: Node): TextEdit | null {
  const start = model.positionAt(statement.startIndex);
  const end = model.positionAt(statement.endIndex);
  const lineStart = statement.startIndex - start.character;
  const before = model.text.slice(lineStart, statement.startIndex);
  const after = model.text.slice(statement.endIndex).split(/\r?\n/, 1)[0];
  if (before.trim() !== '' || after.trim() !== '') return null;
  return {
    range: { start: { line: start.line, character: 0 }, end: { line: end.line + 1, character: 0 } },
    newText: '',
  };
}

/** The call or operator that takes `node` as its input, past parentheses. */
function consumerOf(node: Node): Node | null {
  let current = parentOf(node);
  while (current?.type === 'parenthesized_expression') current = parentOf(current);
  if (!current) return null;
  if (current.type === 'argument_list') return current.parent;
  if (current.type === 'attribute' || current.type === 'member_expression') return current.parent;
  return current;
}

function reference(model: Model, qualified: string, args: string): Rewrite {
  const found = model.reference(qualified);
  return {
    text: `${found.text}(${args})`,
    name: found.text,
    imports: found.importEdit ? [found.importEdit] : [],
  };
}

function binaryLossCall(
  model: Model,
  producer: Activation,
  logits: string,
  target: string,
): Rewrite | null {
  switch (producer.library) {
    case 'torch':
      return reference(
        model,
        'torch.nn.functional.binary_cross_entropy_with_logits',
        `${logits}, ${target}, reduction='none'`,
      );
    case 'tensorflow':
      return reference(
        model,
        'tensorflow.nn.sigmoid_cross_entropy_with_logits',
        `labels=${target}, logits=${logits}`,
      );
    default:
      return null;
  }
}

/**
 * The categorical library loss, only where it reduces along the same axis as the hand-written
 * sum: TensorFlow's loss takes the axis; PyTorch's reads classes from dimension 1.
 */
function categoricalLossCall(
  model: Model,
  shape: CrossEntropyShape,
  producer: Activation,
  logits: string,
  target: string,
): Rewrite | null {
  const reduction = shape.reduction;
  if (!reduction || reduction.op !== 'sum' || hasExtraArguments(reduction)) return null;
  const sumAxis = axisArgument(reduction);
  const softmaxAxis = producer.axis;
  if (!sumAxis) return null;
  const sumAxisText = model.source(sumAxis);
  const softmaxAxisText = softmaxAxis ? model.source(softmaxAxis) : defaultAxis(producer);
  if (softmaxAxisText !== sumAxisText) return null;
  if (producer.library === 'tensorflow') {
    const axis = sumAxisText === '-1' ? '' : `, axis=${sumAxisText}`;
    return reference(
      model,
      'tensorflow.nn.softmax_cross_entropy_with_logits',
      `labels=${target}, logits=${logits}${axis}`,
    );
  }
  if (producer.library === 'torch' && sumAxisText === '1') {
    return reference(
      model,
      'torch.nn.functional.cross_entropy',
      `${logits}, ${target}, reduction='none'`,
    );
  }
  return null;
}

function defaultAxis(producer: Activation): string | null {
  return ['tensorflow', 'jax', 'tfjs'].includes(producer.library) ? '-1' : null;
}

/** A sum with `keepdims` or a dtype is not what the library loss returns. */
function hasExtraArguments(reduction: Operation): boolean {
  const keywords = [...reduction.call.keywords.keys()].filter(
    (name) => !['axis', 'dim', 'input'].includes(name),
  );
  const positional = reduction.isMethod
    ? reduction.call.args.length
    : reduction.call.args.length - 1;
  return keywords.length > 0 || positional > 1;
}

/** log(p) → log_softmax(z), or log(p) and log(1 - p) → log-sigmoid of z and of -z. */
function logDomainFix(model: Model, shape: CrossEntropyShape, producer: Activation): Fix | null {
  const edits: TextEdit[] = [];
  let name: string;
  if (shape.kind === 'categorical') {
    const stable = logSoftmaxOf(model, producer);
    if (!stable) return null;
    edits.push(model.replace(shape.logs[0].node, stable.text), ...stable.imports);
    name = stable.name;
  } else {
    const direct = logSigmoidOf(model, producer, false);
    const complement = logSigmoidOf(model, producer, true);
    if (!direct || !complement) return null;
    edits.push(model.replace(shape.logs[0].node, direct.text), ...direct.imports);
    edits.push(model.replace(shape.logs[1].node, complement.text));
    name = direct.name;
  }
  return { title: t('Use {0} in place of log(p)', name), safe: true, edits };
}

/** With no logits in reach: every log's argument floored at the dtype's smallest normal. */
function floorFix(model: Model, shape: CrossEntropyShape): Fix[] {
  const edits: TextEdit[] = [];
  for (const log of shape.logs) {
    if (!log.input) return [];
    const floored = flooredText(model, log.library, log.input);
    if (!floored) return [];
    edits.push(model.replace(log.input, floored.text));
    for (const edit of floored.imports) {
      if (!edits.some((other) => other.newText === edit.newText)) edits.push(edit);
    }
  }
  return [
    {
      title: t('Floor the probability at the smallest normal number of its dtype'),
      safe: false,
      edits,
    },
  ];
}
