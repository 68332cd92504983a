// NG207 double-softmax: a cross-entropy that applies softmax itself, given a softmax output.
//
// What it does: flags `F.cross_entropy(softmax(x), y)`, `nn.CrossEntropyLoss()` (inline, in a
// variable or an attribute) called on a softmax output, and
// `tf.nn.softmax_cross_entropy_with_logits(logits=softmax(x), ...)`, and TensorFlow.js
// `tf.losses.softmaxCrossEntropy(labels, tf.softmax(x))`.
// Why is this bad? These losses apply log_softmax to their input. A softmax output lies in
// [0, 1], so the second softmax squeezes every class into a narrow band (for 10 classes the
// largest probability cannot exceed e / (e + 9) ≈ 0.23): the loss cannot go to 0, its gradient
// shrinks, and training stalls without any error.
// Use instead: pass the logits, the input of the softmax.
// Fix safety: unsafe. Passing the logits changes the loss to the intended value.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import { unwrap } from '../engine/syntax';
import type { Rule } from '../engine/types';
import { stableBetween } from '../engine/values';
import { activationOf } from './activations';
import { lossCallAt } from './loss-calls';

export const doubleSoftmax: Rule = {
  meta: {
    code: 'NG207',
    name: 'double-softmax',
    family: 'log-domain',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'unsafe',
    triggers: /ross/,
    summary: 'A cross-entropy that applies softmax itself is given a softmax output.',
    explanation:
      'cross_entropy and softmax_cross_entropy_with_logits apply log_softmax to their input; on ' +
      'probabilities in [0, 1] that second softmax flattens the distribution, so the loss ' +
      'cannot reach 0 and training stalls. Pass the logits.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const loss = lossCallAt(model, node);
        if (!loss?.prediction) return;
        if (loss.kind !== 'cross-entropy' && loss.kind !== 'softmax-cross-entropy-with-logits') {
          return;
        }
        const softmax = activationOf(model, loss.prediction);
        if (softmax?.op !== 'softmax' || !softmax.input) return;
        const prediction = loss.prediction;
        const logits = softmax.input;

        context.report({
          node: loss.node,
          message: t(
            'Softmax applied twice: this loss applies log_softmax to its input, which is already a softmax output, so the probabilities are flattened and training stalls. Pass the logits.',
          ),
          related:
            unwrap(prediction).id === softmax.node.id
              ? []
              : [{ node: softmax.node, message: t('The softmax is computed here.') }],
          fixes: () => {
            if (!stableBetween(model, logits, loss.node)) return [];
            return [
              {
                title: t('Pass the logits'),
                safe: false,
                edits: [model.replace(prediction, model.source(logits))],
              },
            ];
          },
        });
      },
    };
  },
};
