// Runs a CloudFront Function's code the way tests/test_infra.py needs it checked.
//
// stdin:  {"code": "<function code, placeholders filled in>", "events": [<viewer-request events>]}
// stdout: {"results": [<what handler returned, or {"error": "..."}>, ...]}
//
// The code runs in a fresh vm context: only the language's built-ins, no require, module,
// process, fetch, console or timers, as in cloudfront-js-2.0; touching any of them throws.
// The static limits of that runtime (size, no modules, `function handler(event)`) are checked
// first, and a breach ends the run with exit status 3 and the reason on stderr.
'use strict';

const vm = require('node:vm');

const MAX_BYTES = 10 * 1024;

function fail(reason) {
  process.stderr.write(reason + '\n');
  process.exit(3);
}

function staticChecks(code) {
  const size = Buffer.byteLength(code, 'utf8');
  if (size > MAX_BYTES) fail('function code is ' + size + ' bytes; CloudFront allows ' + MAX_BYTES);
  if (!/^function handler\(event\)\s*\{/m.test(code)) fail('no top-level `function handler(event) {`');
  const forbidden = [
    [/\brequire\s*\(/, 'require()'],
    [/^\s*import\b|\bimport\s*\(/m, 'import'],
    [/^\s*export\b/m, 'export'],
    [/\bfetch\s*\(/, 'fetch()'],
    [/\bXMLHttpRequest\b|\bWebSocket\b/, 'network APIs'],
    [/\bprocess\./, 'process'],
  ];
  for (const [pattern, what] of forbidden) {
    if (pattern.test(code)) fail('cloudfront-js-2.0 has no ' + what + ' (found in the function code)');
  }
}

function main() {
  const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  staticChecks(input.code);
  const context = vm.createContext(Object.create(null));
  try {
    vm.runInContext(input.code, context, { filename: 'viewer-request.js', timeout: 1000 });
  } catch (error) {
    fail('the function code does not load: ' + error);
  }
  if (vm.runInContext('typeof handler', context) !== 'function') fail('the function code defines no handler');
  const results = input.events.map((event) => {
    try {
      // The event is built inside the context, as CloudFront hands the function its own objects.
      const call = 'handler(' + JSON.stringify(event) + ')';
      const result = vm.runInContext(call, context, { filename: 'event.js', timeout: 1000 });
      return JSON.parse(JSON.stringify(result === undefined ? null : result));
    } catch (error) {
      return { error: String(error) };
    }
  });
  process.stdout.write(JSON.stringify({ results }));
}

main();
