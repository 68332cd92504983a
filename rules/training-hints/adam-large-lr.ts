// NG901 adam-large-lr: an adaptive optimizer built with a learning rate above 1e-2.
//
// What it does: flags Adam, AdamW, NAdam, RAdam, Adamax and RMSprop (torch.optim, Keras, optax,
// TensorFlow.js `tf.train`) constructed with a literal learning rate greater than 0.01.
// Why is this bad? Adaptive optimizers divide each step by the running gradient scale, so every
// weight moves by about the learning rate on every step whatever its gradient. At 0.1 a weight
// can move by 0.1 per step; activations and logits grow until exp overflows float32 (above
// about 88.7) or a loss hits log(0), and the run turns NaN in a few hundred steps.
// Use instead: a learning rate around 1e-4 to 3e-3, with warmup and decay from a scheduler if a
// large peak rate is wanted.
// Fix safety: no fix. The right learning rate depends on the model and the batch size.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import { calleeLastName, callParts, numberValue } from '../engine/syntax';
import type { Rule } from '../engine/types';
import { lastSegment, option } from './arguments';

const ADAPTIVE = new Set(['adam', 'adamw', 'nadam', 'radam', 'adamax', 'rmsprop']);
const LIMIT = 1e-2;

/** Where each library takes the learning rate: its keyword names and positional index. */
const LIBRARIES: { prefix: RegExp; keywords: string[]; position: number }[] = [
  { prefix: /^torch\.optim\./, keywords: ['lr'], position: 1 },
  {
    prefix: /^(tensorflow\.keras|keras|tf_keras|tensorflow)\.optimizers\./,
    keywords: ['learning_rate', 'lr'],
    position: 0,
  },
  { prefix: /^optax\./, keywords: ['learning_rate'], position: 0 },
  { prefix: /^tfjs\.train\./, keywords: ['learningRate'], position: 0 },
];

export const adamLargeLr: Rule = {
  meta: {
    code: 'NG901',
    name: 'adam-large-lr',
    family: 'training-hints',
    severity: 'information',
    dialects: ['python', 'ts'],
    fixSafety: 'none',
    triggers: /adam|rmsprop/i,
    summary: 'An Adam-family or RMSprop optimizer is built with a learning rate above 1e-2.',
    explanation:
      'Adaptive optimizers move every weight by about the learning rate on each step, whatever ' +
      'its gradient; above 1e-2 activations grow until exp overflows float32 (above ~88.7) or a ' +
      'loss hits log(0). Use 1e-4 to 3e-3, with warmup and decay if a larger peak is wanted.',
  },
  create(context) {
    const { model } = context;
    return {
      call: (node) => {
        const name = calleeLastName(node);
        if (!name || !ADAPTIVE.has(name.toLowerCase())) return;
        const call = callParts(node);
        const qualified = call ? model.qualifiedName(call.callee) : null;
        if (!call || !qualified || !ADAPTIVE.has(lastSegment(qualified).toLowerCase())) return;
        const library = LIBRARIES.find((entry) => entry.prefix.test(qualified));
        if (!library) return;
        const rate = learningRate(call, library);
        if (!rate) return;
        const value = numberValue(model.resolve(rate));
        if (value === null || value <= LIMIT) return;
        report(rate, lastSegment(qualified));
      },
    };

    function report(rate: Node, optimizer: string): void {
      context.report({
        node: rate,
        message: t(
          '{0} with a learning rate above 1e-2 moves every weight by about that much on each step, which often drives activations to overflow and the loss to NaN. Use 1e-4 to 3e-3, or a schedule with warmup.',
          optimizer,
        ),
      });
    }
  },
};

function learningRate(
  call: NonNullable<ReturnType<typeof callParts>>,
  library: { keywords: string[]; position: number },
): Node | null {
  for (const keyword of library.keywords) {
    const value = option(call, keyword);
    if (value) return value;
  }
  const positional = call.args[library.position];
  return positional && positional.type !== 'object' ? positional : null;
}
