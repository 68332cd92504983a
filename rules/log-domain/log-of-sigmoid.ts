// NG202 log-of-sigmoid: `log(sigmoid(x))` and `log(1 - sigmoid(x))` instead of a log-sigmoid.
//
// What it does: flags a log of a sigmoid output, or of one minus a sigmoid output, in one
// expression or through a variable, in any library's spelling.
// Why is this bad? sigmoid(x) rounds to exactly 0 for x below about -103 in float32 (about -745
// in float64), and to exactly 1 for x above about 17 in float32 (about 37 in float64), so
// log(sigmoid(x)) and log(1 - sigmoid(x)) reach log(0) = -inf far sooner than the true values,
// which are just -|x|. The loss becomes inf and the gradient NaN.
// Use instead: the library log-sigmoid (`F.logsigmoid`, `jax.nn.log_sigmoid`,
// `tf.math.log_sigmoid`, `scipy.special.log_expit`, `tf.logSigmoid`), and log-sigmoid of -x for
// log(1 - sigmoid(x)), since 1 - sigmoid(x) = sigmoid(-x).
// Fix safety: safe. The log-sigmoid equals the original wherever the original is finite.
//
// Inside a binary cross-entropy written by hand, NG204 reports instead (see cross-entropy.ts).

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Operation } from '../engine/model';
import { unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { stableBetween } from '../engine/values';
import { activationReads, selectedActivationOf, type Activation } from './activations';
import { ownedByCrossEntropy } from './cross-entropy';
import { complementedSigmoid, logOperation, logSigmoidOf } from './stable-forms';

export const logOfSigmoid: Rule = {
  meta: {
    code: 'NG202',
    name: 'log-of-sigmoid',
    family: 'log-domain',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /igmoid|expit/,
    summary: 'log applied to sigmoid(x) or 1 - sigmoid(x) instead of a log-sigmoid.',
    explanation:
      'sigmoid(x) rounds to exactly 0 below x ≈ -103 and to exactly 1 above x ≈ 17 in float32, ' +
      'so log(sigmoid(x)) and log(1 - sigmoid(x)) become -inf where the true value is about ' +
      '-|x|. Use log-sigmoid of x, or of -x for log(1 - sigmoid(x)).',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const log = logOperation(model, node);
        if (!log?.input) return;
        const selected = selectedActivationOf(model, log.input);
        const direct = selected?.activation.op === 'sigmoid' ? selected.activation : null;
        const sigmoid = direct ?? complementedSigmoid(model, log.input);
        if (!sigmoid || ownedByCrossEntropy(model, log)) return;
        const complement = sigmoid !== direct;
        const selection = direct ? (selected?.selection ?? '') : '';

        context.report({
          node: log.node,
          message: complement
            ? t(
                'log(1 - sigmoid(x)): sigmoid rounds to exactly 1 above x ≈ 17 in float32, so this is log(0) = -inf where the true value is about -x. Use log-sigmoid of -x.',
              )
            : t(
                'log(sigmoid(x)): sigmoid rounds to exactly 0 below x ≈ -103 in float32, so this is log(0) = -inf where the true value is about x. Use log-sigmoid.',
              ),
          related:
            unwrap(log.input).id === sigmoid.node.id
              ? []
              : [{ node: sigmoid.node, message: t('The sigmoid is computed here.') }],
          fixes: () => buildFixes(log, sigmoid, complement, selection),
        });
      },
    };

    function buildFixes(
      log: Operation,
      sigmoid: Activation,
      complement: boolean,
      selection: string,
    ): Fix[] {
      if (!sigmoid.input || !stableBetween(model, activationReads(sigmoid), log.node)) return [];
      if (selection && log.input && !stableBetween(model, model.resolve(log.input), log.node)) {
        return [];
      }
      const stable = logSigmoidOf(model, sigmoid, complement);
      if (!stable) return [];
      return [
        {
          title: t('Use {0}', stable.name),
          safe: true,
          edits: [model.replace(log.node, `${stable.text}${selection}`), ...stable.imports],
        },
      ];
    }
  },
};
