// Attention scores for a small in-browser model with TensorFlow.js.
import * as tf from '@tensorflow/tfjs';

export function attentionWeights(scores: tf.Tensor2D): tf.Tensor2D {
  const e = tf.exp(scores);
  return tf.div(e, tf.sum(e, -1, true));
}

export function logLikelihood(scores: tf.Tensor2D): tf.Tensor {
  return tf.log(tf.softmax(scores));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function softmaxScores(values: number[]): number[] {
  const exps = values.map((v) => Math.exp(v));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export function isUnset(value: number): boolean {
  return value === NaN;
}
