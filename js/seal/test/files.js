// Makes evidence files ready and seals them the way the browser will, for
// tests/survivor/test_browser_files.py, which compares them with what the
// server makes of the same files and sends the form to the server:
//   node test/files.js INPUT OUTPUT
// INPUT (JSON) names the form's token, the report's data key, the upload
// limit, files to make ready (`prepare`: one prepareReportFiles call each;
// the bytes of a file ready to seal are written to PATH.CALL.ready), files to
// seal (`seal`: each stream written to PATH.sealed) and a whole form (`form`:
// its fields, then its files made ready, sealed and appended; the body is
// written to `form.body`). OUTPUT gets what each step answered.
import "./webcrypto.js";

import { readFileSync, writeFileSync } from "node:fs";

import {
  FILES_PER_REQUEST,
  appendSealedFile,
  attachmentIdOf,
  prepareReportFiles,
  sealReportFile,
} from "../src/index.js";
import { fromHex, toHex } from "./hex.js";

const [inputPath, outputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, "utf8"));
const dataKey = fromHex(input.dataKey);
const options = { maxBytes: input.maxBytes };

/** @param {{ path: string, name: string }} entry */
const chosen = ({ path, name }) => Object.assign(new Blob([readFileSync(path)]), { name });

const ids = [];
for (let number = 1; number <= FILES_PER_REQUEST + 1; number++) {
  ids.push(await attachmentIdOf(input.token, number));
}

const prepared = [];
for (const [call, { keep, files }] of (input.prepare ?? []).entries()) {
  const answers = await prepareReportFiles(files.map(chosen), keep, options);
  prepared.push(
    answers.map((answer, index) => {
      const { file: _file, ...said } = answer;
      if (answer.outcome !== "seal") return said;
      writeFileSync(`${files[index].path}.${call}.ready`, answer.bytes);
      return { ...said, bytes: answer.bytes.length };
    }),
  );
}

const sealed = [];
for (const { path, number, details } of input.seal ?? []) {
  const made = await sealReportFile(dataKey, ids[number - 1], readFileSync(path), details);
  writeFileSync(`${path}.sealed`, new Uint8Array(await made.stream.arrayBuffer()));
  sealed.push({
    attachmentId: made.attachmentId,
    fileKey: toHex(made.fileKey),
    details: toHex(made.details),
  });
}

/** The form: its fields, then each file made ready, sealed and appended in order. */
async function sendForm({ fields, files, body }) {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  const token = fields.find(([name]) => name === "submission")[1];
  const answers = await prepareReportFiles(files.map(chosen), false, options);
  let number = 0;
  for (const answer of answers) {
    if (answer.outcome !== "seal") continue;
    number += 1;
    const id = await attachmentIdOf(token, number);
    appendSealedFile(form, await sealReportFile(dataKey, id, answer.bytes, answer.details));
  }
  const request = new Request("http://localhost/report/sealed", { method: "POST", body: form });
  writeFileSync(body, new Uint8Array(await request.arrayBuffer()));
  return {
    contentType: request.headers.get("content-type"),
    outcomes: answers.map((answer) => answer.outcome),
  };
}

writeFileSync(
  outputPath,
  JSON.stringify({
    ids,
    prepared,
    sealed,
    form: input.form ? await sendForm(input.form) : null,
  }),
);
