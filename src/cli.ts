#!/usr/bin/env node
// The `unmacro` command. Only this entry ends the process.
import { main } from './cli/program.js';

process.exit(await main(process.argv.slice(2)));
