// Cleans files the way the browser will, for tests/survivor/test_browser_cleaning.py,
// which compares what comes out with what the server's cleaners write:
//   node test/clean-files.js LIST RESULTS
// LIST is a JSON list of {path, name}; each cleaned file is written to
// path + ".clean", and RESULTS gets, for each file in order, what cleanFile
// answered (without the bytes).
import { readFileSync, writeFileSync } from "node:fs";

import { cleanFile } from "../src/index.js";

const [list, results] = process.argv.slice(2);
const answers = JSON.parse(readFileSync(list, "utf8")).map(
  (/** @type {{ path: string, name: string }} */ { path, name }) => {
    const original = new Uint8Array(readFileSync(path));
    const before = original.slice();
    const answer = cleanFile(original, name, "application/octet-stream");
    if (!original.every((byte, i) => byte === before[i])) throw new Error(`${name} was changed`);
    if (!answer.cleaned) return answer;
    writeFileSync(`${path}.clean`, answer.bytes);
    return { ...answer, bytes: answer.bytes.length };
  },
);
writeFileSync(results, JSON.stringify(answers));
