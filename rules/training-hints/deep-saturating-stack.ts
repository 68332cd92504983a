// NG902 deep-saturating-stack: four or more sigmoid/tanh layers stacked with no normalisation.
//
// What it does: flags a `torch.nn.Sequential`, a Keras `Sequential([...])` or a TensorFlow.js
// `tf.sequential({ layers: [...] })` with four or more Sigmoid/Tanh activations and no
// normalisation layer (BatchNorm, LayerNorm, GroupNorm, ...).
// Why is this bad? The derivative of sigmoid is at most 0.25 and that of tanh falls towards 0 as
// soon as a unit saturates; through four such layers the gradient shrinks by 0.25^4 ≈ 0.004 or
// more, and early layers stop learning (their updates fall below float32's relative resolution
// of about 1.19e-7 next to the weights). Saturated units also push sigmoid outputs to exactly 0
// or 1, where a following log gives -inf.
// Use instead: ReLU or GELU activations, with a normalisation layer (LayerNorm, BatchNorm) between
// blocks.
// Fix safety: no fix. Changing activations changes the model.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model } from '../engine/model';
import { calleeLastName, callParts, memberParts, stringValue, unwrap } from '../engine/syntax';
import type { Rule } from '../engine/types';
import { lastSegment, option } from './arguments';

const SATURATING_LAYERS = new Set(['Sigmoid', 'Tanh', 'Hardsigmoid', 'Hardtanh', 'Softsign']);
const SATURATING_NAMES = new Set(['sigmoid', 'tanh', 'hard_sigmoid', 'hardSigmoid', 'softsign']);
const NORMALISATION = /Norm|normalization|Normalization/;
const MINIMUM = 4;

export const deepSaturatingStack: Rule = {
  meta: {
    code: 'NG902',
    name: 'deep-saturating-stack',
    family: 'training-hints',
    severity: 'information',
    dialects: ['python', 'ts'],
    fixSafety: 'none',
    triggers: /equential/,
    summary: 'A Sequential stacks four or more sigmoid/tanh activations with no normalisation.',
    explanation:
      'sigmoid has a slope of at most 0.25, so four saturating layers shrink gradients by ' +
      '0.25^4 ≈ 0.004 or more and early layers stop learning; saturated sigmoids output exactly ' +
      '0 or 1, where a log gives -inf. Use ReLU or GELU with LayerNorm or BatchNorm between blocks.',
  },
  create(context) {
    const { model } = context;
    return {
      call: (node) => {
        const name = calleeLastName(node);
        if (name !== 'Sequential' && name !== 'sequential') return;
        const layers = sequentialLayers(model, node);
        if (!layers) return;
        const saturating = layers.filter((layer) => isSaturating(model, layer)).length;
        if (saturating < MINIMUM || layers.some((layer) => isNormalisation(model, layer))) return;
        context.report({
          node,
          message: t(
            'This stack has {0} sigmoid/tanh activations and no normalisation: their slopes (at most 0.25 for sigmoid) multiply, so early layers get vanishing gradients. Use ReLU or GELU with LayerNorm or BatchNorm.',
            String(saturating),
          ),
        });
      },
    };
  },
};

/** The layer expressions of a Sequential call, or null for any other call. */
function sequentialLayers(model: Model, node: Node): Node[] | null {
  const call = callParts(node);
  const qualified = call ? model.qualifiedName(call.callee) : null;
  if (!call || !qualified) return null;
  if (qualified === 'torch.nn.Sequential') return call.args;
  const isKeras = /^(tensorflow\.keras|keras|tf_keras)\.(models\.)?Sequential$/.test(qualified);
  const isTfjs = qualified === 'tfjs.sequential';
  if (!isKeras && !isTfjs) return null;
  const list = isTfjs ? option(call, 'layers') : (call.args[0] ?? call.keywords.get('layers'));
  if (!list) return null;
  const inner = unwrap(list);
  if (inner.type !== 'list' && inner.type !== 'array') return null;
  return inner.namedChildren.filter((child): child is Node => child !== null);
}

function layerName(model: Model, layer: Node): string | null {
  const call = callParts(unwrap(layer));
  if (!call) return null;
  const qualified = model.qualifiedName(call.callee);
  if (qualified) return lastSegment(qualified);
  return memberParts(call.callee)?.property ?? call.callee.text;
}

function isSaturating(model: Model, layer: Node): boolean {
  const name = layerName(model, layer);
  if (name && SATURATING_LAYERS.has(name)) return true;
  const call = callParts(unwrap(layer));
  if (!call) return false;
  const activation =
    option(call, 'activation') ?? (name === 'Activation' ? (call.args[0] ?? null) : null);
  if (!activation) return false;
  const text = stringValue(activation);
  if (text !== null) return SATURATING_NAMES.has(text);
  const qualified = model.qualifiedName(activation);
  return qualified !== null && SATURATING_NAMES.has(lastSegment(qualified));
}

function isNormalisation(model: Model, layer: Node): boolean {
  const name = layerName(model, layer);
  return name !== null && NORMALISATION.test(name);
}
