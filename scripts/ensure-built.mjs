// Makes dist/ current for `npm install`, `npm start`, `npm test` and `npm run bench`, so a built
// checkout starts at once yet never runs stale code after an edit.
//
// Without flags it only transpiles (TypeScript's transpileModule, one file at a time, no type
// check): about a second instead of tsc's 13-20 s, which is most of a fresh clone's first start.
// The types are checked where a mistake should stop someone: `npm test` runs `tsc --noEmit` over
// src/ and test/ first, and `--full` (`npm run build`, `prepack`) runs tsc itself, which also
// writes the .d.ts files the package's entry points ship. `isolatedModules` in tsconfig.json makes
// tsc reject anything a file-at-a-time transpile would get wrong.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');
const full = process.argv.includes('--full');

function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted or renamed file changes its folder
  for (const name of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, name)));
  return max;
}

function sourcesOf(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesOf(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function transpileAll() {
  // typescript is CommonJS; require keeps this script synchronous.
  const ts = createRequire(import.meta.url)('typescript');
  const { config, error } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
  // One file at a time: no declarations (tsc writes them for the package), same JS and maps. The
  // package is ESM ("type": "module"), which NodeNext infers from package.json and a lone file
  // cannot: say so.
  const compilerOptions = { ...options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, moduleDetection: ts.ModuleDetectionKind.Force, declaration: false, noEmit: false };
  const made = new Set();
  for (const file of sourcesOf(src)) {
    const rel = path.relative(src, file);
    const outJs = path.join(dist, rel.replace(/\.ts$/, '.js'));
    const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions, fileName: file, reportDiagnostics: true });
    const bad = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (bad.length > 0) {
      for (const d of bad) process.stderr.write(`${rel}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n`);
      process.exit(1);
    }
    fs.mkdirSync(path.dirname(outJs), { recursive: true });
    // The map's `sources` must point from dist/ back to src/, as tsc's do.
    const map = JSON.parse(out.sourceMapText);
    map.file = path.basename(outJs);
    map.sources = [path.relative(path.dirname(outJs), file).split(path.sep).join('/')];
    fs.writeFileSync(outJs, out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${path.basename(outJs)}.map`));
    fs.writeFileSync(outJs + '.map', JSON.stringify(map));
    made.add(outJs);
  }
  removeOrphans(dist, made);
}

/** A source deleted or renamed must not leave its old build behind to be imported by mistake. */
function removeOrphans(dir, made) {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) removeOrphans(p, made);
    else if (/\.js$/.test(e.name) && !made.has(p)) {
      for (const f of [p, p + '.map', p.replace(/\.js$/, '.d.ts'), p.replace(/\.js$/, '.d.ts.map')]) fs.rmSync(f, { force: true });
    }
  }
}

const sources = Math.max(newest(src), newest(path.join(root, 'tsconfig.json')), newest(path.join(root, 'package.json')));
const built = !full && fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (full) {
  fs.rmSync(dist, { recursive: true, force: true });
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  fs.writeFileSync(stamp, new Date().toISOString() + '\n');
} else if (sources > built) {
  transpileAll();
  fs.writeFileSync(stamp, new Date().toISOString() + '\n');
}
