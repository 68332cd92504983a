// The typed mirror of every `nanguard.*` setting the extension contributes. The table below is the
// single description the client code reads; a test checks it against package.json's
// `contributes.configuration`, so the manifest and the code cannot drift apart. This module has
// no run-time dependency on VS Code, so the test can load it outside the editor.

export type SeverityName = 'error' | 'warning' | 'information' | 'hint';
export type TraceLevel = 'off' | 'messages' | 'verbose';

/** The JSON-schema shape of one setting, as far as the manifest and the mirror must agree. */
export interface SettingSchema {
  type: 'boolean' | 'string' | 'array' | 'object';
  default: unknown;
  enum?: readonly string[];
  items?: 'string';
  additionalProperties?: { enum: readonly string[] };
}

export const SEVERITY_NAMES: readonly SeverityName[] = ['error', 'warning', 'information', 'hint'];
export const TRACE_LEVELS: readonly TraceLevel[] = ['off', 'messages', 'verbose'];

/** Every setting, keyed by its name below the `nanguard` section. */
export const SETTINGS = {
  enable: { type: 'boolean', default: true },
  'lint.select': { type: 'array', items: 'string', default: [] },
  'lint.ignore': { type: 'array', items: 'string', default: [] },
  severity: { type: 'object', additionalProperties: { enum: SEVERITY_NAMES }, default: {} },
  exclude: { type: 'array', items: 'string', default: [] },
  'codeAction.ignoreLine.enable': { type: 'boolean', default: true },
  'fixAll.unsafe': { type: 'boolean', default: false },
  'trace.server': { type: 'string', enum: TRACE_LEVELS, default: 'off' },
} as const satisfies Record<string, SettingSchema>;

export type SettingName = keyof typeof SETTINGS;

export const SETTINGS_SECTION = 'nanguard';

/** The part of `vscode.WorkspaceConfiguration` the mirror needs, so tests can pass a plain map. */
export interface ConfigurationReader {
  get<T>(section: string): T | undefined;
}

/**
 * Typed getters over one configuration scope. A value of the wrong type (hand-edited JSON) falls
 * back to the default instead of reaching the code that uses it.
 */
export class NanGuardSettings {
  constructor(private readonly configuration: ConfigurationReader) {}

  get enable(): boolean {
    return this.boolean('enable');
  }

  get lintSelect(): string[] {
    return this.strings('lint.select');
  }

  get lintIgnore(): string[] {
    return this.strings('lint.ignore');
  }

  get severity(): Record<string, SeverityName> {
    const value = this.configuration.get<unknown>('severity');
    if (!isPlainObject(value)) return {};
    const entries = Object.entries(value).filter(([, level]) =>
      SEVERITY_NAMES.includes(level as SeverityName),
    );
    return Object.fromEntries(entries) as Record<string, SeverityName>;
  }

  get exclude(): string[] {
    return this.strings('exclude');
  }

  get codeActionIgnoreLineEnable(): boolean {
    return this.boolean('codeAction.ignoreLine.enable');
  }

  get fixAllUnsafe(): boolean {
    return this.boolean('fixAll.unsafe');
  }

  get traceServer(): TraceLevel {
    const value = this.configuration.get<unknown>('trace.server');
    return TRACE_LEVELS.includes(value as TraceLevel)
      ? (value as TraceLevel)
      : SETTINGS['trace.server'].default;
  }

  /** Every setting by name, for the log line written when the server starts. */
  snapshot(): Record<SettingName, unknown> {
    return {
      enable: this.enable,
      'lint.select': this.lintSelect,
      'lint.ignore': this.lintIgnore,
      severity: this.severity,
      exclude: this.exclude,
      'codeAction.ignoreLine.enable': this.codeActionIgnoreLineEnable,
      'fixAll.unsafe': this.fixAllUnsafe,
      'trace.server': this.traceServer,
    };
  }

  private boolean(name: 'enable' | 'codeAction.ignoreLine.enable' | 'fixAll.unsafe'): boolean {
    const value = this.configuration.get<unknown>(name);
    return typeof value === 'boolean' ? value : SETTINGS[name].default;
  }

  private strings(name: 'lint.select' | 'lint.ignore' | 'exclude'): string[] {
    const value = this.configuration.get<unknown>(name);
    if (!Array.isArray(value)) return [];
    return value.filter((item): item is string => typeof item === 'string');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
