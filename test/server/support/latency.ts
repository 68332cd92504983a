// Editor latency of the real server over stdio: start to ready, didChange to publishDiagnostics
// for single-character edits in a 5,000-line Python file, and code actions on its findings.
// `measureLspLatency` is called by the benchmark; run this file directly to print the figures:
//
//   npm run build && node --import tsx test/server/support/latency.ts

import * as path from 'node:path';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { LspTestClient } from './lspClient';

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
  count: number;
}

export interface LspLatency {
  lines: number;
  /** Spawn of `node dist/server.js --stdio` to the answer of `initialize`. */
  startToReadyMs: number;
  /** didOpen of the large file to its first publishDiagnostics. */
  openToDiagnosticsMs: number;
  /** didChange to the publishDiagnostics of that version, with the server's debounce. */
  editToDiagnostics: Percentiles;
  /** The same edits with the debounce set to 0: the server's own work per edit. */
  editToDiagnosticsUndebounced: Percentiles;
  debounceMs: number;
  /** textDocument/codeAction on a diagnostic of the current version, asked again and again. */
  codeAction: Percentiles;
  /**
   * The first code action after an edit inside a function, on a finding in that function: the
   * server re-read that function, and builds its fixes from that reading.
   */
  codeActionAfterEdit: Percentiles;
  /**
   * The first code action after such an edit on a finding in another function, whose fixes come
   * from an analysis of the whole file (done when first asked, or once the document rests).
   */
  codeActionElsewhereAfterEdit: Percentiles;
  /** codeAction/resolve of fix-all (every fix, re-analysed in rounds) on the whole file. */
  fixAllResolve: Percentiles;
  findings: number;
}

/** A block of ordinary training code with a few hazards, repeated to the wanted length. */
function mlBlock(index: number): string {
  return `
class Classifier${index}(nn.Module):
    """A small classifier head."""

    def __init__(self, features, classes):
        super().__init__()
        self.linear = nn.Linear(features, classes)
        self.norm = nn.LayerNorm(features)

    def forward(self, x):
        x = self.norm(x)
        logits = self.linear(x)
        weights = logits.exp()
        return weights / weights.sum(dim=-1, keepdim=True)


def numpy_softmax_${index}(scores):
    return np.exp(scores) / np.sum(np.exp(scores), axis=-1, keepdims=True)


def stable_softmax_${index}(scores):
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)


def train_step_${index}(model, batch, optimizer):
    inputs, targets = batch
    optimizer.zero_grad()
    outputs = model(inputs)
    loss = F.cross_entropy(outputs, targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate_${index}(model, loader):
    model.eval()
    total, correct = 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            predictions = model(inputs).argmax(dim=-1)
            correct += (predictions == targets).sum().item()
            total += targets.numel()
    return correct / max(total, 1)
`;
}

export function generateMlFile(lines: number): string {
  const header = [
    'import numpy as np',
    'import torch',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    '',
  ].join('\n');
  const parts = [header];
  let count = header.split('\n').length;
  for (let index = 0; count < lines; index++) {
    const block = mlBlock(index);
    parts.push(block);
    count += block.split('\n').length - 1;
  }
  return parts.join('').split('\n').slice(0, lines).join('\n') + '\n';
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    max: round(sorted[sorted.length - 1]),
    count: sorted.length,
  };
}

/** Typed one character at a time into a new line in the middle of the file. */
const TYPED =
  '    probabilities = np.exp(logits) / np.exp(logits).sum()  # typed during the benchmark';

interface EditRun {
  latencies: number[];
  openMs: number;
  startToReadyMs: number;
  client: LspTestClient;
  uri: string;
  version: number;
  findings: Diagnostic[];
}

/** Sends one change as `version` and waits for the diagnostics of that version. */
async function changeAndWait(
  client: LspTestClient,
  uri: string,
  version: number,
  at: { line: number; character: number },
  text: string,
): Promise<Diagnostic[]> {
  const published = client.nextDiagnostics(uri, (params) => params.version === version, 60_000);
  await client.change(uri, version, [{ range: { start: at, end: at }, text }]);
  return (await published).diagnostics;
}

async function runEdits(text: string, debounceMs: number, edits: number): Promise<EditRun> {
  const client = await LspTestClient.start({
    initializationOptions: { diagnosticDelay: debounceMs },
  });
  const uri = 'file:///benchmark/latency.py';
  const opened = client.nextDiagnostics(uri, () => true, 60_000);
  const openStart = performance.now();
  await client.open(uri, text);
  const first = await opened;
  const openMs = performance.now() - openStart;

  const line = Math.floor(text.split('\n').length / 2);
  let version = 1;
  let findings = first.diagnostics;
  // A fresh line to type into, inside the function that starts there or just after.
  await changeAndWait(client, uri, ++version, { line, character: 0 }, '\n');

  const latencies: number[] = [];
  for (let index = 0; index < edits; index++) {
    const character = index % TYPED.length;
    const started = performance.now();
    findings = await changeAndWait(client, uri, ++version, { line, character }, TYPED[character]);
    latencies.push(performance.now() - started);
  }
  return { latencies, openMs, startToReadyMs: client.startToReady, client, uri, version, findings };
}

/** Replaces the whole text of the document with `text`; the diagnostics of that version. */
async function restore(run: EditRun, text: string): Promise<Diagnostic[]> {
  const version = ++run.version;
  const published = run.client.nextDiagnostics(
    run.uri,
    (params) => params.version === version,
    60_000,
  );
  await run.client.change(run.uri, version, [{ text }]);
  return (await published).diagnostics;
}

/**
 * After each of `rounds` edits inside one function (a line added to its body), the first code
 * action on a finding of that function, or on the last finding of the file (in another function).
 */
async function timeFirstCodeActions(
  run: EditRun,
  rounds: number,
): Promise<{ inEdited: number[]; elsewhere: number[] }> {
  const inEdited: number[] = [];
  const elsewhere: number[] = [];
  const ask = async (diagnostic: Diagnostic) => {
    const started = performance.now();
    await run.client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: run.uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], only: ['quickfix'] },
    });
    return performance.now() - started;
  };
  for (let index = 0; index < rounds; index++) {
    // The line of a hand-written softmax, in the middle of the file: a new line above it.
    const target = run.findings.find(
      (diagnostic, at) => diagnostic.code === 'NG101' && at >= run.findings.length / 2,
    );
    if (!target) throw new Error('no NG101 finding to edit next to');
    const line = target.range.start.line;
    const at = { line, character: 0 };
    const diagnostics = await changeAndWait(run.client, run.uri, ++run.version, at, '    pass\n');
    const own = diagnostics.find(
      (diagnostic) => diagnostic.code === 'NG101' && diagnostic.range.start.line === line + 1,
    );
    const last = diagnostics[diagnostics.length - 1];
    if (!own || !last) throw new Error('the edited function lost its finding');
    // Alternately, so that neither is asked after the other has built the whole file's fixes.
    if (index % 2 === 0) inEdited.push(await ask(own));
    else elsewhere.push(await ask(last));
    run.findings = diagnostics;
  }
  return { inEdited, elsewhere };
}

async function timeCodeActions(
  run: EditRun,
  requests: number,
): Promise<{ quick: number[]; fixAll: number[] }> {
  const quick: number[] = [];
  const fixAll: number[] = [];
  const fixable = run.findings.filter((diagnostic) => diagnostic.code === 'NG101');
  for (let index = 0; index < requests; index++) {
    const diagnostic = fixable[(index * 7) % fixable.length];
    const started = performance.now();
    const actions = await run.client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: run.uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    });
    quick.push(performance.now() - started);
    if (index < 5) {
      const action = actions.find((candidate) => candidate.kind === 'source.fixAll.nanguard');
      if (!action) throw new Error('no fix-all action offered');
      const resolveStart = performance.now();
      await run.client.request('codeAction/resolve', action);
      fixAll.push(performance.now() - resolveStart);
    }
  }
  return { quick, fixAll };
}

export async function measureLspLatency(
  options: { lines?: number; edits?: number; debounceMs?: number } = {},
): Promise<LspLatency> {
  const lines = options.lines ?? 5000;
  const edits = options.edits ?? 100;
  const debounceMs = options.debounceMs ?? 150;
  const text = generateMlFile(lines);

  const debounced = await runEdits(text, debounceMs, edits);
  await debounced.client.stop();
  const direct = await runEdits(text, 0, edits);
  // The typed line left the file as typing leaves it, often not parsing: back to the original.
  direct.findings = await restore(direct, text);
  const actions = await timeCodeActions(direct, 50);
  const afterEdit = await timeFirstCodeActions(direct, 40);
  await direct.client.stop();

  return {
    lines,
    startToReadyMs: Math.round(Math.min(debounced.startToReadyMs, direct.startToReadyMs)),
    openToDiagnosticsMs: Math.round(direct.openMs),
    editToDiagnostics: percentiles(debounced.latencies),
    editToDiagnosticsUndebounced: percentiles(direct.latencies),
    debounceMs,
    codeAction: percentiles(actions.quick),
    codeActionAfterEdit: percentiles(afterEdit.inEdited),
    codeActionElsewhereAfterEdit: percentiles(afterEdit.elsewhere),
    fixAllResolve: percentiles(actions.fixAll),
    findings: direct.findings.length,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === __filename) {
  measureLspLatency().then(
    (figures) => console.log(JSON.stringify(figures, null, 2)),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
