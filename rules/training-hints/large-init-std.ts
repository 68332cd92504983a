// NG903 large-init-std: weights drawn from a normal distribution with a large fixed std.
//
// What it does: flags weight initialisation with a fixed standard deviation of 0.5 or more:
// `nn.init.normal_(w, std=1.0)`, `w.data.normal_(0, 1)`, `nn.Parameter(torch.randn(n, m) * 2)`,
// Keras `RandomNormal(stddev=1.0)` and TensorFlow.js `tf.initializers.randomNormal({ stddev: 1 })`.
// Embedding tables, whose rows are looked up rather than summed, stay silent, and so do tensors
// that the function returns: a `randn`-like factory draws from N(0, 1) by contract.
// Why is this bad? A layer with n inputs multiplies the spread of its activations by about
// std * sqrt(n): with std 1 and 512 inputs that is 22.6 per layer, so after four layers values
// reach 2.6e5, beyond float16's 65504, and softmax or exp overflows float32 (above about 88.7)
// long before. Saturating activations stop passing gradient at all.
// Use instead: an initialiser scaled by the fan-in: Kaiming (`nn.init.kaiming_normal_`,
// `HeNormal`) for ReLU-like activations, Xavier/Glorot (`nn.init.xavier_uniform_`,
// `GlorotUniform`) for tanh and sigmoid; or the layer's default initialisation.
// Fix safety: no fix. The right scale depends on the layer's fan-in and activation.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model } from '../engine/model';
import {
  calleeLastName,
  callParts,
  memberParts,
  numberValue,
  parentOf,
  unwrap,
} from '../engine/syntax';
import type { Rule } from '../engine/types';
import { lastSegment, option } from './arguments';

const LIMIT = 0.5;
const NORMAL_INIT = new Set(['normal_', 'trunc_normal_', 'normal']);
const KERAS_NORMAL = new Set(['RandomNormal', 'TruncatedNormal', 'random_normal_initializer']);
const TFJS_NORMAL = new Set(['randomNormal', 'truncatedNormal']);
const INIT_NAMES = new Set([...NORMAL_INIT, ...KERAS_NORMAL, ...TFJS_NORMAL]);
const WEIGHT_NAME = /weight|^w\d*$|^W\w*$|kernel/;

export const largeInitStd: Rule = {
  meta: {
    code: 'NG903',
    name: 'large-init-std',
    family: 'training-hints',
    severity: 'information',
    dialects: ['python', 'ts'],
    fixSafety: 'none',
    triggers: /normal|randn/i,
    summary: 'Weights are initialised from a normal distribution with a fixed std of 0.5 or more.',
    explanation:
      'A layer with n inputs scales its activations by about std * sqrt(n): with std 1 and 512 ' +
      'inputs that is 22.6 per layer, so a few layers exceed float16 (65504) and exp overflows ' +
      'float32 above ~88.7. Use Kaiming or Xavier initialisation, scaled by the fan-in.',
  },
  create(context) {
    const { model } = context;
    return {
      call: (node) => {
        const name = calleeLastName(node);
        if (!name || !INIT_NAMES.has(name)) return;
        const std = initStd(model, node);
        if (!std) return;
        const value = numberValue(model.resolve(std));
        if (value === null || Math.abs(value) < LIMIT) return;
        report(std, model.source(model.resolve(std)));
      },
      binary: (node) => {
        const scaled = scaledRandn(model, node);
        if (scaled) report(scaled.scale, String(scaled.value));
      },
    };

    function report(node: Node, std: string): void {
      context.report({
        node,
        message: t(
          'Weights drawn with a fixed std of {0} grow activations by about std * sqrt(fan_in) per layer, towards float16/float32 overflow and saturated units. Use Kaiming or Xavier initialisation.',
          std,
        ),
      });
    }
  },
};

/** The std argument of a normal initialiser applied to weights, or null. */
function initStd(model: Model, node: Node): Node | null {
  const call = callParts(node);
  if (!call) return null;
  const qualified = model.qualifiedName(call.callee);
  if (qualified) {
    const name = lastSegment(qualified);
    if (/^torch\.nn\.init\./.test(qualified) && NORMAL_INIT.has(name)) {
      if (call.args[0] && /embed/i.test(call.args[0].text)) return null;
      if (call.args[0] && returnedByEnclosingFunction(node, call.args[0])) return null;
      return call.keywords.get('std') ?? call.args[2] ?? null;
    }
    if (/^(tensorflow|keras|tf_keras)\./.test(qualified) && KERAS_NORMAL.has(name)) {
      return call.keywords.get('stddev') ?? call.args[1] ?? null;
    }
    if (/^tfjs\.initializers\./.test(qualified) && TFJS_NORMAL.has(name)) {
      return option(call, 'stddev');
    }
    return null;
  }
  const member = memberParts(call.callee);
  if (!member || member.property !== 'normal_') return null;
  if (/embed/i.test(member.object.text) || !namesWeight(member.object)) return null;
  return call.keywords.get('std') ?? call.args[1] ?? null;
}

/**
 * True when the initialised tensor is what the enclosing function returns: a factory of random
 * tensors (a sharded or distributed `randn`) whose standard normal draw is its contract, not a
 * layer's weights.
 */
function returnedByEnclosingFunction(call: Node, target: Node): boolean {
  const name = unwrap(target);
  if (name.type !== 'identifier') return false;
  let scope = parentOf(call);
  while (scope && scope.type !== 'function_definition') scope = parentOf(scope);
  if (!scope) return false;
  return scope
    .descendantsOfType('return_statement')
    .some((statement) => statement?.namedChildren[0]?.text === name.text);
}

/** `self.fc.weight`, `w.data`, `W`: an attribute or a name that holds weights, not a new tensor. */
function namesWeight(receiver: Node): boolean {
  let current = unwrap(receiver);
  let member = memberParts(current);
  if (member?.property === 'data') {
    current = unwrap(member.object);
    member = memberParts(current);
  }
  if (member) return WEIGHT_NAME.test(member.property);
  return current.type === 'identifier' && WEIGHT_NAME.test(current.text);
}

/** `torch.randn(n, m) * 2.0` wrapped in `nn.Parameter` or assigned to a weight name. */
function scaledRandn(model: Model, node: Node): { scale: Node; value: number } | null {
  const arithmetic = model.arithmetic(node);
  if (!arithmetic || arithmetic.operator !== '*') return null;
  for (const [random, scale] of [
    [arithmetic.left, arithmetic.right],
    [arithmetic.right, arithmetic.left],
  ]) {
    const call = callParts(unwrap(random));
    const qualified = call ? model.qualifiedName(call.callee) : null;
    if (qualified !== 'torch.randn' && qualified !== 'numpy.random.randn') continue;
    const value = numberValue(model.resolve(scale));
    if (value === null || Math.abs(value) < LIMIT || !usedAsWeight(model, node)) continue;
    return { scale, value };
  }
  return null;
}

function usedAsWeight(model: Model, node: Node): boolean {
  let current = node;
  for (
    let up = parentOf(current);
    up?.type === 'parenthesized_expression';
    up = parentOf(current)
  ) {
    current = up;
  }
  const parent = current.parent;
  if (parent?.type === 'argument_list') {
    const call = parent.parent ? callParts(parent.parent) : null;
    const qualified = call ? model.qualifiedName(call.callee) : null;
    return qualified === 'torch.nn.Parameter' || qualified === 'torch.nn.parameter.Parameter';
  }
  if (parent?.type === 'assignment') {
    const target = parent.childForFieldName('left');
    const name = target ? (memberParts(target)?.property ?? target.text) : '';
    return WEIGHT_NAME.test(name);
  }
  return false;
}
