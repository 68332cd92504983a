// The entry point VS Code's extension host calls: runs the scenarios with mocha.

import Mocha from 'mocha';
import { defineScenarios } from './scenarios';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: true });
  // The scenarios are bundled with this file rather than loaded by mocha, so announce them as
  // one file: that binds mocha's `describe`/`it` exports the scenarios use.
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'scenarios', mocha);
  defineScenarios();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} scenario(s) failed`));
      else resolve();
    });
  });
}
