// NG201 log-of-softmax: `log(softmax(x))` instead of `log_softmax(x)`.
//
// What it does: flags a log whose argument is a softmax output, written in one expression
// (`torch.log(F.softmax(z, dim=1))`, `z.softmax(-1).log()`) or through a variable
// (`probs = tf.nn.softmax(z)` then `tf.math.log(probs)`).
// Why is this bad? softmax rounds a class to exactly 0 once its logit is about 104 below the
// largest in float32 (about 745 in float64), and log(0) is -inf: the loss becomes inf and the
// gradient NaN. Multiplying by a one-hot mask does not help, because 0 * -inf is NaN.
// Use instead: the library log_softmax over the same axis, which computes x - logsumexp(x) and
// never takes the log of a rounded probability.
// Fix safety: safe. log_softmax takes the same arguments as the softmax it replaces (so the same
// axis, explicit or default) and equals log(softmax(x)) wherever that is finite.
//
// Inside a hand-written cross-entropy that NG204 reports, this rule stays silent (see
// cross-entropy.ts for which one reports).

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import { unwrap } from '../engine/syntax';
import type { Rule } from '../engine/types';
import { stableBetween } from '../engine/values';
import { activationReads, selectedActivationOf } from './activations';
import { ownedByCrossEntropy } from './cross-entropy';
import { logOperation, logSoftmaxOf } from './stable-forms';

export const logOfSoftmax: Rule = {
  meta: {
    code: 'NG201',
    name: 'log-of-softmax',
    family: 'log-domain',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /oftmax/,
    summary: 'log applied to a softmax output instead of log_softmax.',
    explanation:
      'softmax rounds a probability to exactly 0 once its logit is about 104 below the largest ' +
      '(float32), and log(0) is -inf: the loss becomes inf and the gradient NaN. log_softmax ' +
      'computes x - logsumexp(x) and stays finite.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const log = logOperation(model, node);
        if (!log?.input) return;
        const selected = selectedActivationOf(model, log.input);
        const softmax = selected?.activation;
        if (!selected || softmax?.op !== 'softmax' || ownedByCrossEntropy(model, log)) return;
        const input = log.input;

        const throughVariable = unwrap(log.input).id !== softmax.node.id;
        context.report({
          node: log.node,
          message: t(
            'log of a softmax output: a probability that rounds to 0 gives log(0) = -inf and NaN gradients (softmax underflows once a logit is ~104 below the largest in float32). Use log_softmax over the same axis.',
          ),
          related: throughVariable
            ? [{ node: softmax.node, message: t('The softmax is computed here.') }]
            : [],
          fixes: () => {
            if (!stableBetween(model, activationReads(softmax), log.node)) return [];
            // A selection (`probs[i, y]`) moves with the log: `log_softmax(z)[i, y]`.
            if (selected.selection && !stableBetween(model, model.resolve(input), log.node)) {
              return [];
            }
            const stable = logSoftmaxOf(model, softmax);
            if (!stable) return [];
            return [
              {
                title: t('Use {0}', stable.name),
                safe: true,
                edits: [
                  model.replace(log.node, `${stable.text}${selected.selection}`),
                  ...stable.imports,
                ],
              },
            ];
          },
        });
      },
    };
  },
};
