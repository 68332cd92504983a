#!/usr/bin/env node
// The `nanguard` command: runs the bundled CLI, building it first when run from a fresh clone.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('nanguard: dist/cli.js is missing; run `npm run build` first.\n');
  process.exit(2);
}
require(bundle);
