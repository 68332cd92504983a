// The configuration a file is checked with: the project's file (pyproject.toml or nanguard.toml,
// or the one named by --config) with the command line's --select and --ignore added to it.

import { matchesSomeRule } from '../rules';
import { loadConfigFor, type LoadedConfig } from '../rules/project/config';
import type { ScanSettings } from './results';

const combined = new WeakMap<LoadedConfig, LoadedConfig>();

export function configurationFor(filePath: string, settings: ScanSettings): LoadedConfig {
  const loaded = loadConfigFor(filePath, settings.explicitConfig);
  if (settings.select.length === 0 && settings.ignore.length === 0) return loaded;

  let result = combined.get(loaded);
  if (!result) {
    result = withCommandLine(loaded, settings);
    combined.set(loaded, result);
  }
  return result;
}

/**
 * `--select` narrows "every rule" to the codes given, or adds to a project's own `select`;
 * `--ignore` adds to the project's `ignore`. The most specific code still decides, so
 * `--select NG101` brings back NG101 in a project that ignores NG1.
 */
function withCommandLine(loaded: LoadedConfig, settings: ScanSettings): LoadedConfig {
  const { config } = loaded;
  const select =
    settings.select.length === 0 ? config.select : [...(config.select ?? []), ...settings.select];
  return {
    ...loaded,
    config: { ...config, select, ignore: [...config.ignore, ...settings.ignore] },
  };
}

/** `NG1, ng101 ,NG5` → `['NG1', 'NG101', 'NG5']`; null names the first item that is no code. */
export function parseCodeList(value: string): { codes: string[]; invalid: string | null } {
  const codes = value
    .split(',')
    .map((item) => item.trim().toUpperCase())
    .filter((item) => item.length > 0);
  const invalid = codes.find((code) => !/^NG\d{0,3}$/.test(code) || !matchesSomeRule(code)) ?? null;
  return { codes, invalid };
}
