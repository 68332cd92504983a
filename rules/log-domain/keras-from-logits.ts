// NG208 keras-from-logits: a Keras loss whose `from_logits` disagrees with what the model outputs.
//
// What it does: flags a Keras cross-entropy with `from_logits=True` that is given a softmax or
// sigmoid output, directly or because the compiled model's last layer has
// `activation="softmax"`/`"sigmoid"`; and one with `from_logits=False` (the default, including
// string losses such as `"sparse_categorical_crossentropy"`) when the compiled model's last
// Dense layer has no activation, so it outputs logits. Only what the file shows is judged: the
// model and its `compile` call must both be visible.
// Why is this bad? With from_logits=True on probabilities, the loss applies softmax or sigmoid a
// second time: the distribution is flattened and training stalls. With from_logits=False on
// logits, the loss treats raw scores as probabilities and clips them to [1e-7, 1 - 1e-7]: the
// loss is meaningless and most gradients are zero.
// Use instead: make the two agree. Logits with from_logits=True is the stable pairing.
// Fix safety: unsafe. Changing from_logits or removing an activation changes the loss value.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model } from '../engine/model';
import { callParts, memberParts, stringValue, unwrap, type CallParts } from '../engine/syntax';
import type { Fix, Rule, TextEdit } from '../engine/types';
import { stableBetween } from '../engine/values';
import { activationOf as probabilityProducer } from './activations';
import { appendKeyword } from './bce-on-sigmoid';
import { fromLogits, lossCallAt } from './loss-calls';

type LayerActivation = 'softmax' | 'sigmoid' | 'linear' | 'other';

const STRING_LOSSES: Record<string, string> = {
  categorical_crossentropy: 'CategoricalCrossentropy',
  sparse_categorical_crossentropy: 'SparseCategoricalCrossentropy',
  binary_crossentropy: 'BinaryCrossentropy',
};

const KERAS_LOSS_CLASSES = new Set(Object.values(STRING_LOSSES));

export const kerasFromLogits: Rule = {
  meta: {
    code: 'NG208',
    name: 'keras-from-logits',
    family: 'log-domain',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'unsafe',
    triggers: /rossentropy/,
    fileWide: /\.add\s*\(/,
    summary: "A Keras loss's from_logits setting disagrees with what the model outputs.",
    explanation:
      'from_logits=True on softmax or sigmoid outputs applies the activation twice and stalls ' +
      'training; from_logits=False on logits treats raw scores as probabilities, clipped to ' +
      '[1e-7, 1 - 1e-7], and the loss is meaningless. Output logits and set from_logits=True.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        checkLossCall(node);
        checkCompile(node);
      },
    };

    /** `CategoricalCrossentropy(from_logits=True)(y, softmax(z))`. */
    function checkLossCall(node: Node): void {
      const loss = lossCallAt(model, node);
      if (!loss?.prediction || !loss.kind.startsWith('keras') || !fromLogits(loss).value) return;
      const activation = probabilityProducer(model, loss.prediction);
      if (activation?.op !== 'softmax' && activation?.op !== 'sigmoid') return;
      if (!activation.input) return;
      const prediction = loss.prediction;
      const logits = activation.input;
      context.report({
        node: loss.node,
        message: t(
          'from_logits=True on a {0} output: the loss applies {0} again, which flattens the probabilities and stalls training. Pass the logits.',
          activation.op,
        ),
        fixes: () =>
          stableBetween(model, logits, node)
            ? [
                {
                  title: t('Pass the logits'),
                  safe: false,
                  edits: [model.replace(prediction, model.source(logits))],
                },
              ]
            : [],
      });
    }

    /** `model.compile(loss=...)` against the activation of the model's last layer. */
    function checkCompile(node: Node): void {
      const call = callParts(node);
      const member = call ? memberParts(call.callee) : null;
      if (!call || member?.property !== 'compile') return;
      const lossArgument = call.keywords.get('loss') ?? call.args[1] ?? null;
      if (!lossArgument) return;
      const activation = lastActivation(model, member.object);
      if (!activation || activation === 'other') return;
      const setting = lossSetting(model, lossArgument);
      if (!setting) return;

      if (setting.fromLogits && activation !== 'linear') {
        context.report({
          node: lossArgument,
          message: t(
            'from_logits=True, but the model ends in a {0} activation: the loss applies {0} a second time and training stalls. Remove the activation from the last layer, or set from_logits=False.',
            activation,
          ),
          fixes: () => setFromLogits(setting, 'False'),
        });
      } else if (!setting.fromLogits && activation === 'linear') {
        context.report({
          node: lossArgument,
          message: t(
            'The model outputs logits (its last Dense layer has no activation) but the loss expects probabilities (from_logits=False): raw scores are clipped to [1e-7, 1 - 1e-7] and the loss is meaningless. Set from_logits=True.',
          ),
          fixes: () => setFromLogits(setting, 'True'),
        });
      }
    }

    function setFromLogits(setting: LossSetting, value: 'True' | 'False'): Fix[] {
      let edit: TextEdit | null = null;
      if (setting.keyword) edit = model.replace(setting.keyword, value);
      else if (setting.constructor?.argumentList) {
        edit = appendKeyword(model, setting.constructor.argumentList, `from_logits=${value}`);
      } else if (setting.stringNode && setting.className) {
        const reference = model.reference(
          `tensorflow.keras.losses.${setting.className}`,
          `keras.losses.${setting.className}`,
        );
        const replacement = `${reference.text}(from_logits=${value})`;
        return [
          {
            title: t('Set from_logits={0}', value),
            safe: false,
            edits: [
              model.replace(setting.stringNode, replacement),
              ...(reference.importEdit ? [reference.importEdit] : []),
            ],
          },
        ];
      }
      return edit ? [{ title: t('Set from_logits={0}', value), safe: false, edits: [edit] }] : [];
    }
  },
};

interface LossSetting {
  fromLogits: boolean;
  keyword: Node | null;
  constructor: CallParts | null;
  stringNode: Node | null;
  className: string | null;
}

/** What a `compile(loss=...)` argument says about from_logits. */
function lossSetting(model: Model, argument: Node): LossSetting | null {
  const name = stringValue(argument);
  if (name !== null) {
    const className = STRING_LOSSES[name];
    if (!className) return null;
    const stringNode = unwrap(argument);
    return { fromLogits: false, keyword: null, constructor: null, stringNode, className };
  }
  const value = model.resolve(argument);
  const call = callParts(value);
  const qualified = call ? model.qualifiedName(call.callee) : model.qualifiedName(value);
  if (!qualified || !/^(tensorflow|keras|tf_keras)\./.test(qualified)) return null;
  const last = qualified.slice(qualified.lastIndexOf('.') + 1);
  if (!call) {
    // A loss function passed by name has from_logits=False.
    return STRING_LOSSES[last]
      ? { fromLogits: false, keyword: null, constructor: null, stringNode: null, className: null }
      : null;
  }
  if (!KERAS_LOSS_CLASSES.has(last)) return null;
  const keyword = call.keywords.get('from_logits') ?? null;
  return {
    fromLogits: keyword !== null && /^(True|true)$/.test(unwrap(keyword).text),
    keyword,
    constructor: call,
    stringNode: null,
    className: last,
  };
}

/** The activation of the last layer of a Sequential model or a functional keras.Model. */
function lastActivation(model: Model, modelExpression: Node): LayerActivation | null {
  const value = model.resolve(modelExpression);
  const call = callParts(value);
  if (!call) return null;
  const qualified = model.qualifiedName(call.callee) ?? '';
  if (/\.Sequential$/.test(qualified)) {
    const added = lastAddedLayer(model, modelExpression);
    if (added) return layerActivation(model, added);
    const list = call.args[0] ?? call.keywords.get('layers');
    const layers = list ? unwrap(list).namedChildren.filter((child) => child !== null) : [];
    const last = layers[layers.length - 1];
    return last ? layerActivation(model, last) : null;
  }
  if (/\.(Model|models\.Model)$/.test(qualified)) {
    const outputs = call.keywords.get('outputs') ?? call.args[1];
    if (!outputs) return null;
    const applied = callParts(model.resolve(outputs));
    return applied ? layerActivation(model, applied.callee) : null;
  }
  return null;
}

/** `model.add(layer)` calls on the same name: the last one gives the last layer. */
function lastAddedLayer(model: Model, modelExpression: Node): Node | null {
  const name = unwrap(modelExpression).text;
  let last: Node | null = null;
  for (const call of model.root.descendantsOfType('call')) {
    const parts = call ? callParts(call) : null;
    const member = parts ? memberParts(parts.callee) : null;
    if (parts && member?.property === 'add' && member.object.text === name && parts.args[0]) {
      last = parts.args[0];
    }
  }
  return last;
}

function layerActivation(model: Model, layer: Node): LayerActivation {
  const call = callParts(unwrap(layer));
  if (!call) return 'other';
  const qualified = model.qualifiedName(call.callee) ?? '';
  const kind = qualified.slice(qualified.lastIndexOf('.') + 1);
  if (kind === 'Softmax') return 'softmax';
  if (kind === 'Activation') return namedActivation(model, call.args[0] ?? null);
  if (kind !== 'Dense') return 'other';
  return namedActivation(model, call.keywords.get('activation') ?? call.args[1] ?? null);
}

function namedActivation(model: Model, node: Node | null): LayerActivation {
  if (!node) return 'linear';
  const text = stringValue(node) ?? model.qualifiedName(node) ?? unwrap(node).text;
  const name = text.slice(text.lastIndexOf('.') + 1).toLowerCase();
  if (name === 'softmax' || name === 'sigmoid') return name;
  if (name === 'linear' || name === 'none') return 'linear';
  return 'other';
}
