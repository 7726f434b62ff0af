#!/usr/bin/env node
// Entry point of the `feedloop` command; the compiled CLI lives in dist/ (built by `npm install`).
import '../dist/src/cli/main.js';
