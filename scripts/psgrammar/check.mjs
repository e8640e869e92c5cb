// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Parses PowerShell scripts with the tree-sitter-powershell grammar (npm) and reports every syntax error.
//
//   node scripts/psgrammar/check.mjs NODE_MODULES_DIR FILE...
//
// NODE_MODULES_DIR holds web-tree-sitter and tree-sitter-powershell (scripts/psgrammar.sh installs them).
// Prints one line per error (file:line:column: what) and exits 1 when any file has one, 2 on a usage error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error('usage: check.mjs NODE_MODULES_DIR FILE...');
  process.exit(2);
}
const { Parser, Language } = await import(pathToFileURL(join(modules, 'web-tree-sitter', 'tree-sitter.js')).href);
await Parser.init();
const language = await Language.load(join(modules, 'tree-sitter-powershell', 'tree-sitter-powershell.wasm'));
const parser = new Parser();
parser.setLanguage(language);

let failed = 0;
for (const file of files) {
  const tree = parser.parse(readFileSync(file, 'utf8'));
  const problems = [];
  const walk = (node) => {
    if (node.isError || node.isMissing) {
      const what = node.isMissing ? `missing ${node.type}` : `syntax error near ${JSON.stringify(node.text.slice(0, 40))}`;
      problems.push(`${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${what}`);
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  for (const p of problems) console.log(p);
  if (problems.length > 0) failed++;
}
if (failed > 0) {
  console.log(`${failed} of ${files.length} file(s) have syntax errors`);
  process.exit(1);
}
console.log(`${files.length} file(s) parse without errors`);
