#!/usr/bin/env node
// Checks that the modules of a Rust crate depend on each other in one
// direction: no module reaches itself through `crate::` / `super::` paths
// (two modules importing each other being the shortest such loop).
//
//   node scripts/lib/module-cycles.mjs src server/src
//
// Each argument is a crate's source folder. A module is a file (lib.rs and
// main.rs are the crate root, foo/mod.rs is `foo`); a reference is any
// `crate::a::b` or `super::x` path in it, `use` groups expanded, resolved to
// the longest module it names (`crate::db::sql::DbError` -> `db::sql`,
// `crate::AppState` -> the root; a child's name alone, as in `db::Db`, is a
// path from the module itself). Declaring `mod child` is not a use of it;
// a `#[macro_export]` macro counts as its defining module. Inline modules
// (tests, at the end of a file) belong to their file: from there, `super::`
// is the file itself. Prints each loop found and exits 1 if there is one.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function rustFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return rustFiles(path);
    return name.endsWith('.rs') ? [path] : [];
  });
}

function moduleOf(root, file) {
  const parts = relative(root, file).replace(/\.rs$/, '').split('/');
  const last = parts[parts.length - 1];
  if (last === 'mod' || (parts.length === 1 && (last === 'lib' || last === 'main'))) parts.pop();
  return parts.join('::');
}

const parentOf = (m) => m.split('::').slice(0, -1).join('::');

// `a::{b, c::{d, self}}` -> ["a::b", "a::c::d", "a::c"]
function expandUse(tree) {
  tree = tree.replace(/\s+/g, '');
  const open = tree.indexOf('{');
  if (open < 0) return [tree.replace(/::\*$/, '').replace(/as\w+$/, '')];
  const prefix = tree.slice(0, open);
  const inner = tree.slice(open + 1, tree.lastIndexOf('}'));
  const items = [];
  let depth = 0, start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if ((c === ',' || i === inner.length) && depth === 0) {
      const item = inner.slice(start, i);
      if (item) items.push(item);
      start = i + 1;
    }
  }
  return items.flatMap((item) =>
    item === 'self' ? [prefix.replace(/::$/, '')] : expandUse(prefix + item));
}

function check(root) {
  // A main.rs beside a lib.rs is a binary: another crate, using the library by name.
  const all = rustFiles(root);
  const files = all.includes(join(root, 'lib.rs')) ? all.filter((f) => f !== join(root, 'main.rs')) : all;
  const modules = new Map(files.map((f) => [moduleOf(root, f), f]));
  const macros = new Map();
  for (const [mod, file] of modules) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/#\[macro_export\]\s*macro_rules!\s*(\w+)/g)) macros.set(m[1], mod);
  }

  // The module a path of segments names: its longest prefix that is one.
  const resolve = (segments) => {
    if (segments.length === 1 && macros.has(segments[0])) return macros.get(segments[0]);
    for (let n = segments.length; n > 0; n--) {
      const candidate = segments.slice(0, n).join('::');
      if (modules.has(candidate)) return candidate;
    }
    return '';
  };

  const edges = new Map();
  for (const [mod, file] of modules) {
    const uses = new Set();
    const lines = readFileSync(file, 'utf8').split('\n');
    // This module's file children, which its code may name without `self::`.
    const children = new Set([...modules.keys()].filter((m) => m !== mod && parentOf(m) === mod).map((m) => m.split('::').pop()));
    let inline = false;
    let statement = null;
    for (const raw of lines) {
      const line = raw.replace(/\/\/.*$/, '');
      if (/^\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{/.test(line)) inline = true;
      const base = inline ? mod : parentOf(mod);
      // Paths starting at `crate::` or `super::`, as written anywhere.
      const add = (path) => {
        let segs = path.split('::').filter(Boolean);
        let from;
        if (segs[0] === 'crate' || segs[0] === '$crate') { from = []; segs = segs.slice(1); }
        else if (segs[0] === 'super') {
          let at = base;
          segs = segs.slice(1);
          while (segs[0] === 'super') { at = parentOf(at); segs = segs.slice(1); }
          from = at ? at.split('::') : [];
        } else if (segs[0] === 'self') { from = mod ? mod.split('::') : []; segs = segs.slice(1); }
        else if (children.has(segs[0])) from = mod ? mod.split('::') : [];
        else return;
        const target = resolve([...from, ...segs]);
        if (target !== mod) uses.add(target);
      };
      // `use` statements (possibly over several lines) with their groups.
      if (statement !== null || /^\s*(pub(\([^)]*\))?\s+)?use\s/.test(line)) {
        statement = (statement ?? '') + line;
        if (line.includes(';')) {
          const tree = statement.replace(/^\s*(pub(\([^)]*\))?\s+)?use\s+/, '').replace(/;.*$/, '');
          statement = null;
          for (const path of expandUse(tree)) add(path);
        }
        continue;
      }
      for (const m of line.matchAll(/(?<![\w:])(\$?crate|super|self|\w+)((?:::\w+)+)/g)) add(m[1] + m[2]);
    }
    edges.set(mod, uses);
  }

  // Tarjan's strongly connected components: each one of two or more
  // modules is a loop.
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), loops = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do { w = stack.pop(); on.delete(w); component.push(w); } while (w !== v);
      if (component.length > 1) loops.push(component);
    }
  };
  for (const v of modules.keys()) if (!idx.has(v)) visit(v);

  const name = (m) => m || '(crate root)';
  for (const loop of loops) {
    const members = new Set(loop);
    const detail = loop.map((m) => `${name(m)} -> ${[...edges.get(m)].filter((t) => members.has(t)).map(name).join(', ')}`);
    console.log(`${root}: modules that depend on each other:\n  ${detail.join('\n  ')}`);
  }
  const count = [...edges.values()].reduce((n, s) => n + s.size, 0);
  console.log(`${root}: ${modules.size} modules, ${count} dependencies, ${loops.length} loops`);
  return loops.length;
}

const roots = process.argv.slice(2);
if (roots.length === 0) {
  console.error('usage: module-cycles.mjs SRC_DIR...');
  process.exit(2);
}
const loops = roots.reduce((n, root) => n + check(root), 0);
process.exit(loops ? 1 : 0);
