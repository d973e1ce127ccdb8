// Writes the licences of the packages a vendored library's bundle carries
// inside it (its dependencies, transitively, as web/e2e/package-lock.json
// resolves them) to stdout: for each, "Package: name version licence", then the text
// of its licence file. Usage: node notices.mjs PACKAGE (from web/).
import fs from 'node:fs';
import path from 'node:path';

const nm = 'e2e/node_modules';
const lock = JSON.parse(fs.readFileSync('e2e/package-lock.json', 'utf8')).packages;

// resolve finds the lockfile entry of dep as required from the package at
// from (node's lookup: nested node_modules first, then each parent's).
function resolve(from, dep) {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const key = `${dir}/node_modules/${dep}`.replace(/^\//, '');
    if (lock[key]) return key;
    if (!dir) throw new Error(`notices: ${dep} (from ${from}) is not in the lockfile`);
  }
}

const root = `node_modules/${process.argv[2]}`;
const seen = new Set();
const walk = (key) => {
  for (const dep of Object.keys(lock[key].dependencies || {})) {
    const k = resolve(key, dep);
    if (!seen.has(k)) {
      seen.add(k);
      walk(k);
    }
  }
};
walk(root);
const out = [];
for (const key of [...seen].sort()) {
  const dir = path.join('e2e', key);
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  const text = file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : `(no licence file in the package; package.json says ${lock[key].license})`;
  out.push(`Package: ${name} ${lock[key].version} ${lock[key].license}\n\n${text}\n`);
}
process.stdout.write(out.join('\n' + '-'.repeat(72) + '\n\n'));
