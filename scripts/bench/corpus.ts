// A generated TypeScript corpus for the benchmark: TensorFlow.js models, Math-based numerics and
// plain application code, as an ML front end holds them, with a hazard here and there. Written
// once into a folder and reused while its marker says it is the same version.

import * as fs from 'node:fs';
import * as path from 'node:path';

const VERSION = '1';
const FILES = 200;
const BLOCKS_PER_FILE = 12;

/** One block of about 25 lines; `n` keeps names unique, and one block in four has a hazard. */
function block(n: number): string {
  const hazard =
    n % 4 === 0
      ? `  const e = tf.exp(logits${n});\n  return tf.div(e, tf.sum(e, -1, true));`
      : `  return tf.softmax(logits${n});`;
  return `
export function layer${n}(input: tf.Tensor, weights: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const logits${n} = tf.add(tf.matMul(input, weights), bias);
${hazard}
}

export function score${n}(values: number[]): number {
  let total = 0;
  for (const value of values) {
    total += value * value;
  }
  const mean = total / Math.max(values.length, 1);
  return ${n % 3 === 0 ? 'Math.log(1 + mean)' : 'Math.sqrt(mean)'};
}

export class Metric${n} {
  private readonly history: number[] = [];

  record(value: number): void {
    if (${n % 5 === 0 ? 'value === NaN' : 'Number.isNaN(value)'}) return;
    this.history.push(value);
  }

  latest(): number | undefined {
    return this.history[this.history.length - 1];
  }
}
`;
}

function fileText(index: number): string {
  const blocks = Array.from({ length: BLOCKS_PER_FILE }, (_, k) =>
    block(index * BLOCKS_PER_FILE + k),
  );
  return `import * as tf from '@tensorflow/tfjs';\n${blocks.join('')}`;
}

/** Writes the set into `folder` unless it is already there; returns the folder. */
export function generateTypeScriptSet(folder: string): string {
  const marker = path.join(folder, '.generated');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === VERSION) return folder;
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });
  for (let index = 0; index < FILES; index++) {
    fs.writeFileSync(path.join(folder, `model${index}.ts`), fileText(index));
  }
  fs.writeFileSync(marker, VERSION);
  return folder;
}
