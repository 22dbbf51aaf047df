/**
 * LLaVA-1.5-7B benchmark for MoMA's MLLM half, with random weights in the real layouts (nothing to
 * download): LLaMA-7B-shaped fp16 torch shards as MoMA_llava_7b ships them (two `pytorch_model-*.bin`
 * + index, `config.json`, LLaMA's `tokenizer.model` from the fixtures), a CLIP ViT-L/14-336 tower and
 * a full-size `attn_adapters_projectors.th`. It runs the nodes users run (MLLMLoader, MLLMAdapter,
 * default resources and options) and prints, for each precision: build + quantize time, the cached
 * second start, the prefill of MoMA's prompt (576 image tokens + the text), the prefill against the
 * fp32 MatMul ideal for the same FLOPs on this machine, and peak RSS. Not a test.
 *   pnpm exec tsx --expose-gc test/bench/mllm.ts all [--precisions int8,int4] [--repeats 3] [--layers 4]
 * runs everything below in child processes (one per phase, so each peak RSS is that phase's) in a
 * temporary folder under the OS temp dir, which it removes at the end (it needs about 32 GB free).
 * The phases on their own:
 *   make DIR                      write the model files under DIR/models and a 512x512 subject image
 *   build DIR --precision P       MLLMLoader on a cold graph cache: reads, quantizes and writes the graphs
 *   start DIR --precision P       a fresh process: MLLMLoader (graphs cached) + MLLMAdapter, cold then warm
 *   kernels                       MatMulNBits block size / accuracy level table for one 7B matmul vs fp32
 *   error [--layers 4]            quantization error at the real width: 4 decoder layers, the vision tower
 * Run it under the shared heavy lock (`flock /tmp/momaflow-heavy.lock ...`) with nothing else heavy.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createLogger,
  createNodeEnv,
  dequantizeBlockwise,
  ExternalDataWriter,
  FLOAT_WEIGHTS,
  matmulNBits,
  measureMatmulGflops,
  type NodeContext,
  OnnxBuilder,
  quantizeBlockwise,
  SessionCache,
  Tensor,
  toOrtTensor,
  type WeightQuantization,
  writeModel,
  writeTorchFile,
} from '@momaflow/engine';
import { cosineSimilarity, fixturePath, runGraph } from '@momaflow/engine/testing';
import { MLLMAdapter, MLLMLoader, MoMAAdapterLoader } from '@momaflow/nodes';
import {
  CLIP_VIT_L14_336,
  type ClipVisionConfig,
  towerDepth,
} from '../../nodes/src/models/clip-vision/index';
import { WeightMap } from '../../nodes/src/models/ldm-config/index';
import { type LlamaConfig, llamaLayerParameters } from '../../nodes/src/models/llama/index';
import {
  buildLlavaLanguageStage,
  buildLlavaVisionGraph,
  type LlavaConfig,
  type LlavaPrecision,
  llavaQuantization,
} from '../../nodes/src/models/llava/index';
import { buildMomaImagePromptGraph } from '../../nodes/src/models/moma-adapter/index';
import {
  clipVisionConfigJson,
  clipVisionKeyShapes,
  llavaConfigJson,
  llavaKeyShapes,
  type MomaAdapterShape,
  seededTorchTree,
  seededWeight,
  writeSeededMomaAdapter,
} from '../../nodes/src/models/tiny/index';
import { loadLlamaTokenizer } from '../../nodes/src/models/tokenizers/sentencepiece/index';
import { listHookPoints, SD15_UNET_CONFIG, unetLayout } from '../../nodes/src/models/unet/index';

const { positionals, values: args } = parseArgs({
  allowPositionals: true,
  options: {
    precision: { type: 'string', default: 'int8' },
    precisions: { type: 'string', default: 'int8,int4' },
    repeats: { type: 'string', default: '3' },
    layers: { type: 'string', default: '4' },
    smoke: { type: 'boolean', default: false },
  },
});
const [mode, dir] = positionals;

/** `--smoke`: the same phases on a narrow model (256 wide, 4 layers: first, middle and last stages), to check the bench itself runs. */
const LLAMA_7B: LlamaConfig = {
  hiddenSize: args.smoke ? 256 : 4096,
  intermediateSize: args.smoke ? 512 : 11008,
  layers: args.smoke ? 4 : 32,
  heads: args.smoke ? 2 : 32,
  kvHeads: args.smoke ? 2 : 32,
  headDim: 128,
  vocabSize: 32000,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
};
const TOWER: ClipVisionConfig = args.smoke
  ? { ...CLIP_VIT_L14_336, hiddenSize: 64, heads: 1, layers: 2, intermediateSize: 128 }
  : CLIP_VIT_L14_336;
const LLAVA_DIR = 'random-llava-7b';
const TOWER_DIR = 'random-clip-vit-large-patch14-336';
const ADAPTER = 'random-attn_adapters_projectors.th';
const SUBJECT = 'cat';
const PROMPT = 'A cat in autumn with falling leaves.';
/** MoMA_llava_7b's first shard is 9.98 GB; the bench splits at the same size. */
const SHARD_BYTES = 9.9e9;

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const load = () => loadavg()[0]!.toFixed(2);

/** Peak RSS of this process, sampled, plus the kernel's own high-water mark. */
function rssMonitor(): { peak(): number; stop(): void } {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    peak: () => Math.max(peak, process.resourceUsage().maxRSS * 1024),
    stop: () => clearInterval(timer),
  };
}

/** Random weights as the project's tiny models are made (`seededWeight`: norm scales 1, weights std 1/sqrt(3 fan_in)). */
const SEED = 7;
const randomWeight = (key: string, shape: readonly number[]) => seededWeight({ seed: SEED, key, shape });

function dirsOf(root: string) {
  return {
    input: join(root, 'input'),
    output: join(root, 'output'),
    temp: join(root, 'temp'),
    models: join(root, 'models'),
  };
}

/** A 512x512 subject on white, as the Segment node hands it over. */
function subjectImage(): Tensor<'float32'> {
  const t = Tensor.filled([1, 512, 512, 3], 1);
  for (let y = 96; y < 416; y++)
    for (let x = 128; x < 384; x++)
      for (let c = 0; c < 3; c++) t.data[(y * 512 + x) * 3 + c] = ((x * (c + 1) + y * 3) % 256) / 255;
  return t;
}

async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

async function make(root: string): Promise<void> {
  const t0 = performance.now();
  const d = dirsOf(root);
  const llava = join(d.models, 'mllm', LLAVA_DIR);
  const tower = join(d.models, 'clip_vision', TOWER_DIR);
  for (const p of [llava, tower, join(d.models, 'moma'), d.input]) await mkdir(p, { recursive: true });
  await copyFile(fixturePath('tokenizers', 'llama-tokenizer.model'), join(llava, 'tokenizer.model'));
  const config = llavaConfigJson(LLAMA_7B, {
    visionWidth: TOWER.hiddenSize,
    visionTower: 'openai/clip-vit-large-patch14-336',
  });
  await writeFile(join(llava, 'config.json'), JSON.stringify(config, null, 2));
  // Two shards split at MoMA_llava_7b's shard size, in key order, with the index LLaVA writes.
  const shards: Map<string, readonly number[]>[] = [new Map()];
  let bytes = 0;
  for (const [key, shape] of llavaKeyShapes(LLAMA_7B, TOWER.hiddenSize)) {
    const size = 2 * shape.reduce((a, b) => a * b, 1);
    if (bytes + size > SHARD_BYTES * shards.length) shards.push(new Map());
    shards.at(-1)!.set(key, shape);
    bytes += size;
  }
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    const file = `pytorch_model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.bin`;
    await writeTorchFile(
      join(llava, file),
      seededTorchTree(shard, { seed: SEED, prefix: '', dtype: 'F16' }),
      { archive: 'pytorch_model' },
    );
    for (const key of shard.keys()) weightMap[key] = file;
  }
  await writeFile(
    join(llava, 'pytorch_model.bin.index.json'),
    JSON.stringify({ metadata: { total_size: bytes }, weight_map: weightMap }, null, 2),
  );
  await writeFile(join(tower, 'config.json'), JSON.stringify(clipVisionConfigJson(TOWER), null, 2));
  await writeTorchFile(
    join(tower, 'pytorch_model.bin'),
    seededTorchTree(clipVisionKeyShapes(TOWER), { seed: SEED, prefix: '', dtype: 'F16' }),
  );
  const sections: MomaAdapterShape = {
    llmHidden: LLAMA_7B.hiddenSize,
    embedding: LLAMA_7B.hiddenSize / 4,
    tokens: 4,
    tokenDim: 768,
    attention: listHookPoints(unetLayout(SD15_UNET_CONFIG)),
  };
  await writeSeededMomaAdapter(join(d.models, 'moma', ADAPTER), sections, SEED);
  console.log(
    `made ${LLAVA_DIR} (${shards.length} fp16 shards, ${gib(await folderBytes(llava))}), ${TOWER_DIR} (${gib(await folderBytes(tower))}) and ${ADAPTER} in ${seconds(t0).toFixed(0)} s`,
  );
}

function context(
  env: ReturnType<typeof createNodeEnv>,
  onProgress?: (v: number, max: number) => void,
): NodeContext {
  return {
    nodeId: 'bench',
    promptId: 'bench',
    source: {},
    signal: new AbortController().signal,
    log: env.log,
    env,
    progress: (v, max) => onProgress?.(v, max),
  };
}

function precisionArg(): LlavaPrecision {
  const p = args.precision;
  if (p !== 'fp32' && p !== 'int8' && p !== 'int4') throw new Error(`bad --precision ${p}`);
  return p;
}

async function loadMllm(
  env: ReturnType<typeof createNodeEnv>,
  onProgress?: (v: number, max: number) => void,
) {
  const out = await MLLMLoader.run(context(env, onProgress), {
    mllm_name: LLAVA_DIR,
    vision_tower: TOWER_DIR,
    quantization: precisionArg(),
  });
  if (!Array.isArray(out)) throw new Error('MLLMLoader returned no plain outputs');
  return out[0];
}

async function build(root: string): Promise<void> {
  const rss = rssMonitor();
  const env = createNodeEnv({ dirs: dirsOf(root), log: createLogger(() => {}) });
  const t0 = performance.now();
  let shown = 0;
  await loadMllm(env, (v, max) => {
    if (v / max >= shown + 0.25) {
      shown = Math.floor((v / max) * 4) / 4;
      console.log(`  ... ${(100 * shown).toFixed(0)}% of the parameters after ${seconds(t0).toFixed(0)} s`);
    }
  });
  const took = seconds(t0);
  await env.dispose();
  rss.stop();
  const graphs = join(dirsOf(root).temp, 'mllm-graphs');
  console.log(
    `${args.precision}: build + quantize ${took.toFixed(1)} s (MLLMLoader, cold cache; graphs ${gib(await folderBytes(graphs))} on disk), peak RSS ${gib(rss.peak())}, load ${load()}`,
  );
}

/** FLOPs of one prefill: every weight once per token, attention scores and mixing, vision tower and projector. */
function prefillFlop(tokens: number, tower: ClipVisionConfig): number {
  const l = LLAMA_7B;
  const language =
    2 * tokens * l.layers * llamaLayerParameters(l) + 4 * l.layers * tokens ** 2 * l.heads * l.headDim;
  const depth = towerDepth(tower, -2);
  const seq = (tower.imageSize / tower.patchSize) ** 2 + 1;
  const towerLayer = 4 * tower.hiddenSize ** 2 + 2 * tower.hiddenSize * tower.intermediateSize;
  const vision = 2 * seq * depth * towerLayer + 4 * depth * seq ** 2 * tower.hiddenSize;
  const projector = 2 * (seq - 1) * (tower.hiddenSize * l.hiddenSize + l.hiddenSize ** 2);
  return language + vision + projector;
}

async function start(root: string): Promise<void> {
  const rss = rssMonitor();
  const matmulBefore = await measureMatmulGflops({ n: 2048, threads: 2, iterations: 5 });
  const t0 = performance.now();
  const env = createNodeEnv({ dirs: dirsOf(root), log: createLogger(() => {}) });
  const mllm = await loadMllm(env);
  const loaderSeconds = seconds(t0);
  const adapterOut = await MoMAAdapterLoader.run(context(env), { adapter_name: ADAPTER });
  if (!Array.isArray(adapterOut)) throw new Error('MoMAAdapterLoader returned no plain outputs');
  const image = subjectImage();
  const adapt = async () => {
    const t = performance.now();
    const out = await MLLMAdapter.run(context(env), {
      mllm,
      moma_adapter: adapterOut[0],
      image,
      subject: SUBJECT,
      prompt: PROMPT,
    });
    if (!Array.isArray(out)) throw new Error('MLLMAdapter returned no plain outputs');
    return seconds(t);
  };
  const first = await adapt();
  const firstResult = seconds(t0);
  const warm: number[] = [];
  for (let i = 0; i < Number(args.repeats); i++) warm.push(await adapt());
  const matmulAfter = await measureMatmulGflops({ n: 2048, threads: 2, iterations: 5 });
  await env.dispose();
  rss.stop();
  const llama = await loadLlamaTokenizer(mllm.checkpoint.tokenizerPath);
  const text = `USER: <image>\n A photo of a ${SUBJECT}. Describe a new image of the same ${SUBJECT} in: ${PROMPT}. ASSISTANT: *`;
  const textTokens = llama.tokenizeWithImageToken(text).length - 1;
  const imageTokens = (TOWER.imageSize / TOWER.patchSize) ** 2;
  const tokens = textTokens + imageTokens;
  const gflops = Math.max(matmulBefore.gflops, matmulAfter.gflops);
  const ideal = prefillFlop(tokens, TOWER) / (gflops * 1e9);
  const prefill = median(warm);
  console.log(
    `${args.precision}: cached second start: MLLMLoader ${loaderSeconds.toFixed(1)} s, first MLLMAdapter ${first.toFixed(1)} s (sessions load + prefill), first IMAGE_PROMPT ${firstResult.toFixed(1)} s after start`,
  );
  console.log(
    `${args.precision}: prefill (MLLMAdapter, ${imageTokens} image + ${textTokens} text tokens) median ${prefill.toFixed(1)} s of ${warm.map((w) => w.toFixed(1)).join(', ')}; fp32 MatMul ${gflops.toFixed(0)} GFLOP/s (${matmulBefore.gflops.toFixed(0)} before, ${matmulAfter.gflops.toFixed(0)} after) -> ideal ${ideal.toFixed(1)} s for ${(prefillFlop(tokens, TOWER) / 1e12).toFixed(2)} TFLOP: prefill = ${(prefill / ideal).toFixed(2)}x the fp32 ideal`,
  );
  console.log(
    `${args.precision}: peak RSS ${gib(rss.peak())} (sessions of every stage loaded), load ${load()}`,
  );
}

/** One 7B matmul (the MLP's up projection at the prompt's length) per block size and accuracy level. */
async function kernels(): Promise<void> {
  const m = 621;
  const k = LLAMA_7B.hiddenSize;
  const n = LLAMA_7B.intermediateSize;
  const weight = randomWeight('kernels.weight', [n, k]);
  const x = randomWeight('kernels.input', [m, k]);
  const sessions = SessionCache.create({ maxEntries: 1, defaults: { intraOpNumThreads: 2 } });
  const variants: { name: string; q: WeightQuantization }[] = [{ name: 'fp32 MatMul', q: FLOAT_WEIGHTS }];
  for (const bits of [8, 4] as const)
    for (const blockSize of [32, 64, 128])
      for (const accuracyLevel of [0, 4] as const)
        variants.push({
          name: `int${bits} block ${blockSize} level ${accuracyLevel}`,
          q: { kind: 'nbits', bits, blockSize, accuracyLevel },
        });
  const rows: string[] = [];
  let fp32 = 0;
  for (const v of variants) {
    const b = OnnxBuilder.create();
    const xi = b.input('x', 'float32', [m, k]);
    let error = 0;
    if (v.q.kind === 'float') {
      const wt = Tensor.zeros('float32', [k, n]);
      for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) wt.data[c * n + r] = weight.data[r * k + c]!;
      b.output(b.op('MatMul', [xi, b.initializer('weight', wt)]), 'y');
    } else {
      const q = quantizeBlockwise(weight, v.q);
      const back = dequantizeBlockwise(q).data;
      let se = 0;
      let ss = 0;
      for (let i = 0; i < back.length; i++) {
        se += (back[i]! - weight.data[i]!) ** 2;
        ss += weight.data[i]! ** 2;
      }
      error = Math.sqrt(se / ss);
      b.output(matmulNBits(b, q, xi, { accuracyLevel: v.q.accuracyLevel }), 'y');
    }
    const lease = await sessions.acquire({ model: b.build() });
    const feeds = { x: toOrtTensor(x.reshape([m, k])) };
    await lease.session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await lease.session.run(feeds);
      times.push(seconds(t));
    }
    lease.release();
    const s = median(times);
    if (v.q.kind === 'float') fp32 = s;
    rows.push(
      `  ${v.name.padEnd(26)} ${(s * 1000).toFixed(0).padStart(5)} ms  ${((2 * m * k * n) / s / 1e9).toFixed(0).padStart(4)} GFLOP/s  ${(fp32 / s).toFixed(2)}x fp32  weight error ${(100 * error).toFixed(2)}%`,
    );
  }
  await sessions.dispose();
  console.log(`MatMulNBits kernels, [${m}x${k}] x [${k}x${n}], 2 threads, median of 5, load ${load()}:`);
  for (const r of rows) console.log(r);
}

/** Quantization error at the real width: `--layers` decoder layers, the CLIP-336 tower, MoMA's head. */
async function error(): Promise<void> {
  const rss = rssMonitor();
  const layers = Number(args.layers);
  const llama = { ...LLAMA_7B, layers, vocabSize: 512 };
  const h = llama.hiddenSize;
  const v = TOWER.hiddenSize;
  const m = h / 4;
  const llava: LlavaConfig = {
    layout: 'llava',
    llama,
    projector: 'mlp2x_gelu',
    visionFeatureLayer: -2,
    visionSelect: 'patch',
    mmHiddenSize: v,
    imageAspectRatio: 'pad',
    vision: undefined,
  };
  const shapes = llavaKeyShapes(llama, v);
  const weights = (accept: (k: string) => boolean) =>
    WeightMap.fromTensors(
      'random',
      Object.fromEntries([...shapes].filter(([k]) => accept(k)).map(([k, s]) => [k, randomWeight(k, s)])),
    );
  const towerShapes = clipVisionKeyShapes(TOWER);
  const towerWeights = WeightMap.fromTensors(
    'random',
    Object.fromEntries([...towerShapes].map(([k, s]) => [k, randomWeight(k, s)])),
  );
  const projectorWeights = weights((k) => k.startsWith('model.mm_projector'));
  const sessions = SessionCache.create({ maxEntries: 1, defaults: { intraOpNumThreads: 2 } });
  const root = await mkdtemp(join(tmpdir(), 'momaflow-mllm-error-'));
  const run = async (
    model: ReturnType<OnnxBuilder['build']>,
    name: string,
    feeds: Record<string, Tensor<'float32'> | Tensor<'int64'>>,
  ) => {
    const { modelPath } = await writeModel(model, join(root, name));
    const source = { path: modelPath, hash: `${name}-${model.hash}` };
    const out = await runGraph(sessions, source, feeds);
    await sessions.unload(await sessions.keyOf(source));
    return out;
  };
  const pixels = randomWeight('pixels', [1, 3, 336, 336]);
  const ids = (n: number, seed: number) =>
    new Tensor(
      'int64',
      [1, n],
      BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 131 + seed) % 512)),
    );
  const head = buildMomaImagePromptGraph(
    {
      llmMapping: { inFeatures: h, hidden: m, outFeatures: m },
      imageProjection: { inFeatures: m, tokens: 4, tokenDim: 768 },
    },
    {
      mapping: new Map(
        (['gate_proj', 'up_proj', 'down_proj'] as const).map((p) => [
          `mapping.${p}.weight`,
          randomWeight(`mapping.${p}.weight`, p === 'down_proj' ? [m, m] : [m, h]),
        ]),
      ),
      projectors: new Map(
        (
          [
            ['proj.weight', [3072, m]],
            ['proj.bias', [3072]],
            ['norm.weight', [768]],
            ['norm.bias', [768]],
          ] as const
        ).map(([k, s]) => [k, randomWeight(k, s)]),
      ),
    },
  );
  const results: Record<
    string,
    { image: Float32Array; hidden: Float32Array; last: Float32Array; ip: Float32Array; bytes: number }
  > = {};
  try {
    for (const precision of ['fp32', 'int8', 'int4'] as const) {
      const quantization = llavaQuantization(precision);
      const vision = buildLlavaVisionGraph({
        llava,
        tower: TOWER,
        towerWeights,
        projectorWeights,
        quantization,
        externalData: ExternalDataWriter.open(join(root, `vision-${precision}`)),
      });
      const image = (await run(vision, `vision-${precision}`, { pixel_values: pixels })).image_features!;
      const dirOf = join(root, `language-${precision}`);
      const language = await buildLlavaLanguageStage({
        llava,
        layers: [0, layers],
        quantization,
        load: async (accept) => weights(accept),
        externalData: ExternalDataWriter.open(dirOf),
      });
      const hidden = (
        await run(language, `language-${precision}`, {
          input_ids_before: ids(5, 1),
          image_features: image,
          input_ids_after: ids(40, 7),
        })
      ).last_hidden_state!;
      const tokens = hidden.shape[1]!;
      const last = new Tensor('float32', [1, h], hidden.data.slice((tokens - 1) * h));
      const ip = (await run(head, `head-${precision}`, { hidden: last })).ip_tokens_cond!;
      const bytes = await folderBytes(dirOf);
      results[precision] = { image: image.data, hidden: hidden.data, last: last.data, ip: ip.data, bytes };
      await rm(join(root, `vision-${precision}`), { recursive: true, force: true });
      await rm(dirOf, { recursive: true, force: true });
    }
  } finally {
    await sessions.dispose();
    await rm(root, { recursive: true, force: true });
    rss.stop();
  }
  const ref = results.fp32!;
  console.log(
    `quantization error vs fp32, random weights at the real width: CLIP tower of ${v} (${towerDepth(TOWER, -2)} layers) + projector, ${layers} LLaMA layers of ${h} over 576 + 45 tokens, MoMA's head (cosine similarity):`,
  );
  for (const precision of ['int8', 'int4'] as const) {
    const r = results[precision]!;
    console.log(
      `  ${precision}: image features ${cosineSimilarity(r.image, ref.image).toFixed(5)}, last hidden state ${cosineSimilarity(r.last, ref.last).toFixed(5)}, all hidden states ${cosineSimilarity(r.hidden, ref.hidden).toFixed(5)}, IP tokens ${cosineSimilarity(r.ip, ref.ip).toFixed(5)}; language weights ${gib(r.bytes)} (${((100 * r.bytes) / results.int8!.bytes).toFixed(1)}% of int8, ${((100 * r.bytes) / ref.bytes).toFixed(1)}% of fp32)`,
    );
  }
  console.log(`  peak RSS ${gib(rss.peak())}, load ${load()}`);
}

/** Every phase in a child process, in a temporary folder removed at the end. */
async function all(): Promise<void> {
  const tmp = tmpdir();
  const fs = await statfs(tmp);
  const free = fs.bavail * fs.bsize;
  const needed = args.smoke ? 1e9 : 32e9;
  if (free < needed) {
    throw new Error(
      `${tmp} has ${gib(free)} free; the bench needs about ${gib(needed)} (13.5 GB of fp16 shards, graphs)`,
    );
  }
  console.log(
    `MLLM bench (LLaVA-1.5-7B shapes, random weights): ${gib(free)} free in ${tmp}, load ${load()}, node ${process.version}`,
  );
  const root = await mkdtemp(join(tmp, 'momaflow-mllm-bench-'));
  const script = fileURLToPath(import.meta.url);
  const phase = (...rest: string[]) => {
    const smoke = args.smoke ? ['--smoke'] : [];
    const r = spawnSync(process.execPath, [...process.execArgv, script, ...rest, ...smoke], {
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error(`phase '${rest.join(' ')}' failed with ${r.status ?? r.signal}`);
  };
  try {
    phase('make', root);
    phase('kernels');
    phase('error', '--layers', args.layers);
    for (const precision of args.precisions.split(',')) {
      phase('build', root, '--precision', precision);
      phase('start', root, '--precision', precision, '--repeats', args.repeats);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const PHASES = {
  all: async () => all(),
  make: async (root) => make(root),
  build: async (root) => build(root),
  start: async (root) => start(root),
  kernels: async () => kernels(),
  error: async () => error(),
} as const satisfies Record<string, (root: string) => Promise<void>>;

const needsDir = mode === 'make' || mode === 'build' || mode === 'start';
if (mode === undefined || !Object.hasOwn(PHASES, mode) || (needsDir && dir === undefined)) {
  throw new Error(
    'usage: mllm.ts all | make DIR | build DIR --precision P | start DIR --precision P | kernels | error',
  );
}
await PHASES[mode as keyof typeof PHASES](dir ?? '');
