#!/usr/bin/env node
// ServeSim's bridge to ONNX Runtime (onnxruntime-node; the CPU execution provider unless a load names another).
// `servesim profile` starts it as
// a subprocess and sends one JSON request per line on stdin; each gets one JSON line on stdout:
//   {"op":"hello"}                       -> {"ok":true,"engine":"onnxruntime","version":"1.30.0","node":"v20..."}
//   {"op":"load","model":P,"intra_threads":N,"inter_threads":1,"optimization":"all"|"disabled",
//    "optimized_model_path":P2|null,"provider":"cpu"|"cuda"|"tensorrt"}
//                                        -> {"ok":true,"load_s":S,"inputs":[...],"outputs":[...]}
// A GPU provider is the only one asked for (ORT still runs the nodes it cannot take on the CPU); when its
// library does not load, the load fails: there is no silent fall-back to the CPU.
//   {"op":"run","inputs":[{"name","elem_type","dims","int_high","seed","values"?}],"warmup":W,"min_reps":A,
//    "max_reps":B,"max_s":T,"return_values":bool,"return_ranges":bool}
//                                        -> {"ok":true,"times_s":[...],"outputs":[{"name","dims","values"?,
//                                            "min"?,"max"?}]}
//   {"op":"rss"}                         -> {"ok":true,"peak_rss_mb":M}
// Errors: {"ok":false,"error":"..."}. Timing is taken here, around session creation and session.run, so that
// the pipe adds nothing to the figures. Input data come from xorshift32 with the seed given per input, the
// same generator as models/inference_engine.cpp, so both engines see the same inputs, unless an input gives
// its "values".
'use strict';
const readline = require('readline');
const ort = require('onnxruntime-node');

ort.env.logLevel = 'error';
let session = null;

function xorshiftValues(count, seed, make) {
  let x = seed >>> 0 || 1;
  const values = new Array(count);
  for (let i = 0; i < count; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    values[i] = make(x);
  }
  return values;
}

function makeTensor(spec) {
  const count = spec.dims.reduce((a, b) => a * b, 1);
  const high = Math.max(1, spec.int_high || 1);
  if (Array.isArray(spec.values)) {  // given values (a KV cache carried from one call to the next)
    if (spec.values.length !== count) throw new Error(`input '${spec.name}': ${spec.values.length} values for ${count} elements`);
    switch (spec.elem_type) {
      case 'float32': return new ort.Tensor('float32', Float32Array.from(spec.values), spec.dims);
      case 'int64': return new ort.Tensor('int64', BigInt64Array.from(spec.values, (v) => BigInt(Math.round(v))), spec.dims);
      case 'int32': return new ort.Tensor('int32', Int32Array.from(spec.values, (v) => Math.round(v)), spec.dims);
      default: break;
    }
  }
  switch (spec.elem_type) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(xorshiftValues(count, spec.seed, (x) => (x >>> 8) / 16777216 * 2 - 1)), spec.dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(xorshiftValues(count, spec.seed, (x) => BigInt(x % high))), spec.dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(xorshiftValues(count, spec.seed, (x) => x % high)), spec.dims);
    default:
      throw new Error(`input '${spec.name}': element type ${spec.elem_type} is not supported by the bridge`);
  }
}

function seconds(start) { return Number(process.hrtime.bigint() - start) / 1e9; }

async function load(req) {
  if (session) { await session.release(); session = null; }
  const options = {
    executionProviders: [req.provider || 'cpu'],
    graphOptimizationLevel: req.optimization || 'all',
    intraOpNumThreads: req.intra_threads || 1,
    interOpNumThreads: req.inter_threads || 1,
    executionMode: 'sequential',
  };
  if (req.optimized_model_path) options.optimizedModelFilePath = req.optimized_model_path;
  const start = process.hrtime.bigint();
  session = await ort.InferenceSession.create(req.model, options);
  return { load_s: seconds(start), inputs: session.inputNames, outputs: session.outputNames };
}

async function run(req) {
  if (!session) throw new Error('no model loaded');
  const feeds = {};
  for (const spec of req.inputs) feeds[spec.name] = makeTensor(spec);
  for (let i = 0; i < (req.warmup || 0); i++) await session.run(feeds);
  const times = [];
  let results = null;
  const begin = process.hrtime.bigint();
  const minReps = Math.max(1, req.min_reps || 1);
  const maxReps = Math.max(minReps, req.max_reps || minReps);
  while (times.length < maxReps) {
    const start = process.hrtime.bigint();
    results = await session.run(feeds);
    times.push(seconds(start));
    if (times.length >= minReps && req.max_s && seconds(begin) >= req.max_s) break;
  }
  const outputs = session.outputNames.map((name) => {
    const t = results[name];
    const out = { name, dims: t.dims.map(Number) };
    if (req.return_values) out.values = Array.from(t.data, Number);
    if (req.return_ranges && t.data.length > 0) {  // calibration: the range without copying the values
      let low = Number(t.data[0]);
      let high = low;
      for (const v of t.data) {
        const x = Number(v);
        if (x < low) low = x;
        if (x > high) high = x;
      }
      out.min = low;
      out.max = high;
    }
    return out;
  });
  return { times_s: times, outputs };
}

async function handle(req) {
  switch (req.op) {
    case 'hello':
      return { engine: 'onnxruntime', version: ort.env.versions.node || ort.env.versions.common, node: process.version };
    case 'load': return load(req);
    case 'run': return run(req);
    case 'rss': return { peak_rss_mb: process.resourceUsage().maxRSS / 1024 };
    default: throw new Error(`unknown op '${req.op}'`);
  }
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    let reply;
    try {
      reply = Object.assign({ ok: true }, await handle(JSON.parse(line)));
    } catch (err) {
      reply = { ok: false, error: String(err && err.message ? err.message : err) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  });
});
lines.on('close', () => { queue.then(() => process.exit(0)); });
