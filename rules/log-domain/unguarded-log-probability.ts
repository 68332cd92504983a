// NG203 unguarded-log-probability: `log(p)` of a probability that can be exactly 0.
//
// What it does: flags a log whose argument is a probability (a softmax or sigmoid output used
// through arithmetic, 1 - p, x / x.sum(), an average of probabilities, or a variable or parameter
// named like `probs`) when nothing keeps it above 0: no `+ eps`, clamp, clip, maximum or where.
// A clip whose result is thrown away (`tf.clip_by_value(p, eps, 1)` as a statement) is no floor.
// Why is this bad? Probabilities reach exactly 0: a softmax underflows once a logit is about 104
// below the largest in float32, a class absent from a batch sums to 0, 1 - p is 0 when p rounds
// to 1 (above about 1 - 6e-8 in float32). log(0) is -inf, the loss becomes inf, and its gradient
// 1/p is inf; 0 * -inf in a masked sum is NaN.
// Use instead: a floor at the smallest normal number of the dtype, `finfo(p.dtype).tiny`, which
// changes nothing where p is a normal float and keeps log(p) finite (≥ -87.3 in float32), or the
// log-domain computation (log_softmax) when the logits are at hand.
// Fix safety: unsafe. The floor changes the result where p is 0 or subnormal: that is its purpose.
//
// A log of a softmax or sigmoid output itself is NG201's or NG202's; a log inside a hand-written
// cross-entropy that NG204 reports is NG204's.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Operation } from '../engine/model';
import type { Fix, Rule } from '../engine/types';
import { hasFloor, probabilityLike } from '../engine/values';
import { selectedActivationOf } from './activations';
import { ownedByCrossEntropy } from './cross-entropy';
import { complementedSigmoid, flooredText, logOperation, guardedByCondition } from './stable-forms';

export const unguardedLogProbability: Rule = {
  meta: {
    code: 'NG203',
    name: 'unguarded-log-probability',
    family: 'log-domain',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'unsafe',
    triggers: /log/,
    summary: 'log of a probability that can be exactly 0, with no floor.',
    explanation:
      'Probabilities reach exactly 0 (a softmax underflows once a logit is ~104 below the ' +
      'largest in float32; an absent class sums to 0), and log(0) = -inf turns the loss into ' +
      'inf and the gradient into NaN. Floor p at finfo(p.dtype).tiny, or work in log space.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const log = logOperation(model, node);
        if (!log?.input || coveredElsewhere(log)) return;
        const probability = probabilityLike(model, log.input);
        if (!probability || hasFloor(model, log.input)) return;

        context.report({
          node: log.node,
          message: t(
            'log of a probability with no floor: where p is exactly 0 (softmax underflow, an absent class, 1 - p with p rounded to 1) this is -inf and the gradient NaN. Clamp p to at least finfo(dtype).tiny or compute in log space.',
          ),
          related:
            probability.origin.id === log.input.id
              ? []
              : [
                  {
                    node: probability.origin,
                    message: t('This is where the probability comes from.'),
                  },
                ],
          fixes: () => buildFixes(log),
        });
      },
    };

    /** Logs that NG201, NG202 or NG204 report, and logs masked by a `where`. */
    function coveredElsewhere(log: Operation): boolean {
      if (!log.input) return true;
      // Logs of softmax or sigmoid outputs, or of entries selected from them, are NG201's and NG202's.
      if (selectedActivationOf(model, log.input)) return true;
      if (complementedSigmoid(model, log.input)) return true;
      return ownedByCrossEntropy(model, log) || guardedByCondition(model, log);
    }

    function buildFixes(log: Operation): Fix[] {
      if (!log.input) return [];
      const floored = flooredText(model, log.library, log.input);
      if (!floored) return [];
      return [
        {
          title: t('Floor the probability at the smallest normal number of its dtype'),
          safe: false,
          edits: [model.replace(log.input, floored.text), ...floored.imports],
        },
      ];
    }
  },
};
