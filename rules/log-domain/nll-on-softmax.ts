// NG206 nll-on-softmax: NLL loss given softmax probabilities instead of log-probabilities.
//
// What it does: flags `F.nll_loss(softmax(x), y)`, `nn.NLLLoss()(softmax(x), y)` and an NLLLoss
// object in a variable or an attribute called on a softmax output.
// Why is this bad? nll_loss expects log-probabilities: it returns -input[target]. Given
// probabilities it returns -p[target], a number in [-1, 0] whose gradient does not push the
// logits like a cross-entropy; training stalls or diverges, silently. Taking the log by hand
// instead (log(softmax(x))) gives log(0) = -inf once a logit is about 104 below the largest in
// float32.
// Use instead: `F.log_softmax` as the input of nll_loss, or `F.cross_entropy` on the logits.
// Fix safety: unsafe. The fix passes log_softmax over the same axis, which changes the loss to the
// intended negative log-likelihood.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import { unwrap } from '../engine/syntax';
import type { Rule } from '../engine/types';
import { stableBetween } from '../engine/values';
import { activationOf, activationReads } from './activations';
import { lossCallAt } from './loss-calls';
import { logSoftmaxOf } from './stable-forms';

export const nllOnSoftmax: Rule = {
  meta: {
    code: 'NG206',
    name: 'nll-on-softmax',
    family: 'log-domain',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'unsafe',
    triggers: /nll|NLL/,
    summary: 'NLL loss given softmax probabilities instead of log-probabilities.',
    explanation:
      'nll_loss returns -input[target], so on probabilities it computes -p instead of -log(p): ' +
      'the loss is wrong and training silently fails. Pass log_softmax (or use cross_entropy on ' +
      'the logits).',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const loss = lossCallAt(model, node);
        if (loss?.kind !== 'nll' || !loss.prediction) return;
        const softmax = activationOf(model, loss.prediction);
        if (softmax?.op !== 'softmax') return;
        const prediction = loss.prediction;

        context.report({
          node: loss.node,
          message: t(
            'NLL loss on softmax probabilities: nll_loss expects log-probabilities and returns -p[target] here, not -log(p[target]). Pass log_softmax over the same axis, or use cross_entropy on the logits.',
          ),
          related:
            unwrap(prediction).id === softmax.node.id
              ? []
              : [{ node: softmax.node, message: t('The softmax is computed here.') }],
          fixes: () => {
            if (!stableBetween(model, activationReads(softmax), loss.node)) return [];
            const stable = logSoftmaxOf(model, softmax);
            if (!stable) return [];
            return [
              {
                title: t('Pass {0} to the NLL loss', stable.name),
                safe: false,
                edits: [model.replace(prediction, stable.text), ...stable.imports],
              },
            ];
          },
        });
      },
    };
  },
};
