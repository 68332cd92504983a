// Reads the typed settings mirror from VS Code's configuration.

import * as vscode from 'vscode';
import { NanGuardSettings, SETTINGS_SECTION } from './settings';

/** The settings of the window, or of the folder holding `scope` when one is given. */
export function readSettings(scope?: vscode.ConfigurationScope): NanGuardSettings {
  return new NanGuardSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION, scope));
}
