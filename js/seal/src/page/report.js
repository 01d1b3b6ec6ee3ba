/**
 * The report page with JavaScript: her browser makes her codename, seals her
 * report to the charity's keys the page carries, and sends only what it
 * sealed, with her consent, to the address the page names
 * (portal/survivor/sealed.py). It then shows her codename itself: the server
 * never had it. The words she reads and the limits it checks come from the
 * page, so both paths say the same.
 *
 * Her files are cleaned and sealed here too (files.js). A file only the
 * server can clean (a PDF, an office document) is named to her, and she
 * chooses: send the whole report by the server's path, or remove the file.
 * A report that waits for a match asks the server for the release key of
 * each identifier her officers give (release.js) and seals the data key to
 * each. Without JavaScript, or without X25519 in this browser for a report
 * that waits, the form goes to the server as it is (docs/browser-sealing.md).
 */

import { fromBase64, toBase64, utf8 } from "../bytes.js";
import { codenameLookupSecret, codenameWrapKey, newCodename } from "../codename.js";
import { encryptField, newKey, wrapKey } from "../envelope.js";
import { appendSealedFile, prepareReportFiles, sealReportFile } from "../files.js";
import { Binding } from "../format.js";
import { attachmentIdOf, reportIdOf } from "../ids.js";
import { sealTo } from "../keys.js";
import { releaseBinding, releaseSealing, sealToRelease } from "../release.js";

// What the server's clean_text filter drops, and the whitespace Python's strip() removes.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;
const SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const EDGES = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "g");
const SENT_IN_CLEAR = ["csrf_token", "submission", "release"];

/**
 * A typed value as the server's form reads it: line breaks as a browser sends
 * them (CR LF), control characters dropped, surrounding space removed.
 * @param {FormDataEntryValue | null} value
 * @returns {string}
 */
export function cleanText(value) {
  const text = typeof value === "string" ? value : "";
  return text.replace(/\r\n|\r|\n/g, "\r\n").replace(CONTROL, "").replace(EDGES, "");
}

/**
 * @typedef {{ version: number, public_key: string }} GroupKey
 * @typedef {{
 *   keys: Record<string, GroupKey>, send_to: string, release_keys_from: string, next: string,
 *   account_fields: string[], officer_fields: string[], officer_rows: number,
 *   limits: Record<string, [number, string]>, statistics_size: number,
 *   max_upload_bytes: number, messages: Record<string, string>,
 * }} SealingData
 * @typedef {import("../files.js").PreparedFile} PreparedFile
 */

/**
 * One field's value in the account, as the server's form gives it.
 * @param {HTMLFormElement} form
 * @param {FormData} sent
 * @param {string} name
 */
function valueOf(form, sent, name) {
  // By name only: namedItem() would also find a fieldset whose id is the name.
  const first = Array.from(form.elements).find((e) => e.getAttribute("name") === name);
  if (first instanceof HTMLInputElement && first.type === "checkbox") {
    return sent.getAll(name);
  }
  if (first instanceof HTMLInputElement && first.type === "radio") {
    return sent.get(name); // null when none is chosen
  }
  if (first instanceof HTMLSelectElement) {
    return sent.get(name) ?? "";
  }
  return cleanText(sent.get(name));
}

/**
 * Her account as ReportForm.account() makes it on the server.
 * @param {HTMLFormElement} form
 * @param {SealingData} data
 * @returns {Record<string, unknown>}
 */
export function accountOf(form, data) {
  const sent = new FormData(form);
  /** @type {Record<string, unknown>} */
  const account = {};
  for (const name of data.account_fields) {
    account[name] = valueOf(form, sent, name);
  }
  const officers = [];
  for (let row = 0; row < data.officer_rows; row++) {
    /** @type {Record<string, unknown>} */
    const officer = {};
    for (const key of data.officer_fields) {
      officer[key] = valueOf(form, sent, `officers-${row}-${key}`);
    }
    if (Object.values(officer).some(Boolean)) {
      officers.push(officer);
    }
  }
  account.officers = officers;
  account.release = sent.get("release");
  return account;
}

/**
 * What the server would refuse in what she typed: [field name, message] pairs.
 * @param {HTMLFormElement} form
 * @param {SealingData} data
 * @param {Record<string, unknown>} account
 * @returns {[string, string][]}
 */
export function problemsOf(form, data, account, hasFiles = false) {
  const sent = new FormData(form);
  /** @type {[string, string][]} */
  const found = [];
  for (const [name, [limit, message]] of Object.entries(data.limits)) {
    if ([...cleanText(sent.get(name))].length > limit) {
      found.push([name, message]);
    }
  }
  if (found.length === 0 && !account.what_happened && !hasFiles) {
    found.push(["what_happened", data.messages.write_something]);
  }
  return found;
}

/**
 * Her consent as the boxes give it: the groups her report's key is sealed to
 * now, whether its facts are sealed for statistics now, whether it waits for
 * a match, and the consent a match will apply as the escrow binds it
 * (`escrow.consent_at_release`: a 0 or 1 for each choice in `Consent`'s order,
 * messages only with their export, waiting last and 0). A waiting report is
 * sealed to the recovery group alone; a match seals it to the rest.
 * @param {HTMLFormElement} form
 */
function consentOf(form) {
  const sent = new FormData(form);
  const ticked = (/** @type {string} */ name) => sent.has(name);
  const waits = sent.get("release") !== "now";
  const [legal, iopc] = [ticked("consent_legal"), ticked("consent_iopc")];
  const choices = [
    ticked("consent_read"),
    legal,
    iopc,
    ticked("consent_statistics"),
    legal && ticked("consent_messages_legal"),
    iopc && ticked("consent_messages_iopc"),
    false,
  ];
  const groups = ["recovery"];
  if (ticked("consent_read") && !waits) {
    groups.push("advocates");
  }
  if ((legal || iopc) && !waits) {
    groups.push("exporters");
  }
  const atRelease = `consent=${choices.map((chosen) => (chosen ? "1" : "0")).join("")}`;
  return { groups, statistics: ticked("consent_statistics") && !waits, waits, atRelease };
}

/**
 * What matching needs of her account, as the server reads it in clear: the
 * force, and each officer's name and number.
 * @param {Record<string, unknown>} account
 * @returns {[string, string][]}
 */
function officerFields(account) {
  const officers = /** @type {Record<string, string>[]} */ (account.officers);
  /** @type {[string, string][]} */
  const fields = [["officer_force", String(account.force ?? "")]];
  officers.forEach((officer, n) => {
    fields.push([`officer_${n}_name`, officer.name], [`officer_${n}_number`, officer.number]);
  });
  return fields;
}

/**
 * Seal a report as the server would and make the form the server reads.
 * @param {HTMLFormElement} form
 * @param {SealingData} data
 * @param {Record<string, unknown>} account
 * @param {string} codename
 * @param {PreparedFile[]} [files] her files, made ready to seal
 * @param {Uint8Array[]} [releaseKeys] for a report that waits: each slot's key
 * @returns {Promise<FormData>}
 */
export async function sealReport(form, data, account, codename, files = [], releaseKeys = []) {
  const sent = new FormData(form);
  const body = new FormData();
  for (const [name, value] of sent) {
    if (SENT_IN_CLEAR.includes(name) || name.startsWith("consent_")) {
      body.append(name, value);
    }
  }
  // What matching needs, in clear (docs/escrow.md): only with the advocates' consent,
  // without which the report neither counts toward a match nor is named by one.
  if (sent.has("consent_read")) {
    for (const [name, value] of officerFields(account)) {
      body.append(name, value);
    }
  }
  const reportId = await reportIdOf(String(sent.get("submission") ?? ""));
  const dataKey = newKey();
  const bound = (/** @type {string} */ field) => new Binding("reports", reportId, field);
  body.append("lookup", toBase64(await codenameLookupSecret(codename)));
  const wrapping = await codenameWrapKey(codename, reportId);
  body.append("survivor_key", toBase64(await wrapKey(wrapping, dataKey, bound("survivor_key"))));
  const content = utf8(JSON.stringify(account));
  body.append("content", toBase64(await encryptField(dataKey, content, bound("content"))));
  const consent = consentOf(form);
  for (const group of consent.groups) {
    const { version, public_key: publicKey } = data.keys[group];
    const binding = new Binding("report_key_seals", reportId, `${group}/${version}`);
    body.append(`seal_${group}`, toBase64(await sealTo(fromBase64(publicKey), dataKey, binding)));
    body.append(`seal_${group}_version`, String(version));
  }
  if (consent.statistics) {
    const { version, public_key: publicKey } = data.keys.exporters;
    const facts = utf8(JSON.stringify({ force: account.force, harms: account.harms }));
    const padded = new Uint8Array(Math.max(data.statistics_size, facts.length)).fill(0x20);
    padded.set(facts);
    const binding = new Binding("reports", reportId, `statistics/exporters/${version}`);
    body.append("statistics", toBase64(await sealTo(fromBase64(publicKey), padded, binding)));
    body.append("statistics_version", String(version));
  }
  if (consent.waits) {
    for (const [slot, key] of releaseKeys.entries()) {
      const binding = releaseBinding(reportId, slot, consent.atRelease);
      body.append(`escrow_${slot}`, toBase64(await sealToRelease(key, dataKey, binding)));
    }
  }
  const token = String(sent.get("submission") ?? "");
  let number = 0;
  for (const file of files) {
    if (file.outcome === "seal") {
      number += 1;
      const id = await attachmentIdOf(token, number);
      appendSealedFile(body, await sealReportFile(dataKey, id, file.bytes, file.details));
    }
  }
  return body;
}

/**
 * Whether this browser seals this report, or leaves it to the server's path:
 * also a report that waits without the advocates' consent, which the server's
 * page explains.
 * @param {HTMLFormElement} form
 * @param {SealingData} data
 * @param {boolean} releaseHere whether this browser can seal to a release key
 */
function sealsHere(form, data, releaseHere) {
  const consent = consentOf(form);
  const keysHere = consent.groups.every((group) => group in data.keys);
  const statistics = !consent.statistics || "exporters" in data.keys;
  const waiting = !consent.waits || (releaseHere && new FormData(form).has("consent_read"));
  return waiting && keysHere && statistics;
}

/**
 * Ask the server for the release key of each identifier her officers give, at
 * her threshold; it keeps nothing of them.
 * @param {HTMLFormElement} form
 * @param {SealingData} data
 * @param {Record<string, unknown>} account
 * @returns {Promise<{ keys?: string[], problem?: string, submission?: string, csrf_token?: string }>}
 */
async function askReleaseKeys(form, data, account) {
  const sent = new FormData(form);
  const csrf = String(sent.get("csrf_token") ?? "");
  const asked = Object.fromEntries([
    ["csrf_token", csrf],
    ["submission", String(sent.get("submission") ?? "")],
    ["release", String(sent.get("release") ?? "")],
    ...officerFields(account),
  ]);
  const response = await fetch(data.release_keys_from, {
    method: "POST",
    body: JSON.stringify(asked),
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf },
  });
  try {
    return await response.json();
  } catch {
    return { problem: data.messages.failed };
  }
}

/**
 * Put the tokens an answer renewed (an expired form's) in the form, so that
 * the next press sends with them.
 * @param {HTMLFormElement} form
 * @param {{ submission?: string, csrf_token?: string }} answer
 */
function renewTokens(form, answer) {
  for (const name of /** @type {const} */ (["submission", "csrf_token"])) {
    const renewed = answer[name];
    const input = form.elements.namedItem(name);
    if (renewed && input instanceof HTMLInputElement) {
      input.value = renewed;
    }
  }
}

/**
 * The files she chose, in order.
 * @param {HTMLFormElement} form
 * @returns {File[]}
 */
function chosenFiles(form) {
  return new FormData(form)
    .getAll("files")
    .filter((file) => file instanceof File && file.name !== "")
    .map((file) => /** @type {File} */ (file));
}

/**
 * Ask her what to do with files only the server can clean: send the whole
 * report by the server's path, or go back and remove them.
 * @param {string[]} names
 * @param {() => void} byServer
 */
function askAboutServerFiles(names, byServer) {
  const box = /** @type {HTMLElement} */ (document.getElementById("sealing-choice"));
  const list = /** @type {HTMLElement} */ (box.querySelector("ul"));
  list.replaceChildren(
    ...names.map((name) => {
      const item = document.createElement("li");
      item.textContent = name;
      return item;
    }),
  );
  const send = /** @type {HTMLElement} */ (box.querySelector("[data-by-server]"));
  const back = /** @type {HTMLElement} */ (box.querySelector("[data-remove]"));
  send.onclick = () => {
    box.hidden = true;
    byServer();
  };
  back.onclick = () => {
    box.hidden = true;
    /** @type {HTMLElement} */ (document.getElementById("files")).focus();
  };
  box.hidden = false;
  box.focus();
}

/**
 * Show what stops the report being sent, as the server's page would.
 * @param {[string, string][]} problems
 * @param {string} heading the box's title, in the server's words
 */
function showProblems(problems, heading) {
  let box = document.getElementById("sealing-problems");
  if (!box && problems.length === 0) {
    return;
  }
  if (!box) {
    // Made only when needed, as the server's page shows its box only with problems.
    box = document.createElement("div");
    box.id = "sealing-problems";
    box.className = "error-summary";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    const title = document.createElement("h2");
    title.textContent = heading;
    box.append(title, document.createElement("ul"));
    document.getElementById("report-form")?.before(box);
  }
  const list = /** @type {HTMLElement} */ (box.querySelector("ul"));
  list.replaceChildren(
    ...problems.map(([name, message]) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${name}`;
      link.textContent = message;
      item.append(link);
      return item;
    }),
  );
  box.hidden = problems.length === 0;
  if (problems.length > 0) {
    box.focus();
  }
}

/**
 * @param {string} text
 */
function showStatus(text) {
  const status = /** @type {HTMLElement} */ (document.getElementById("sealing-status"));
  status.textContent = text;
  status.hidden = text === "";
}

/**
 * Replace the form with her codename, as the server's codename page shows it.
 * @param {SealingData} data
 * @param {string} codename
 * @param {string} reference
 * @param {boolean} inDanger
 */
function showCodename(data, codename, reference, inDanger) {
  const template = /** @type {HTMLTemplateElement} */ (document.getElementById("sealed-codename"));
  const page = /** @type {DocumentFragment} */ (template.content.cloneNode(true));
  const shown = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (page.querySelector(selector));
  shown("p.codename").textContent = codename;
  shown("[data-reference] strong").textContent = reference;
  shown("[data-reference]").hidden = false;
  shown("[data-urgent]").hidden = !inDanger;
  const problem = shown("[data-problem]");
  const box = /** @type {HTMLInputElement} */ (shown("#saved"));
  // Leaving before she confirms loses the codename for good, so the browser asks
  // first; never when she leaves by "Exit this page" (exit.js).
  const warn = (/** @type {BeforeUnloadEvent} */ event) => {
    if (document.documentElement.dataset.exiting !== "yes") {
      event.preventDefault();
      event.returnValue = "";
    }
  };
  window.addEventListener("beforeunload", warn);
  shown("[data-saved]").addEventListener("click", () => {
    if (!box.checked) {
      problem.hidden = false;
      problem.focus();
      return;
    }
    window.removeEventListener("beforeunload", warn);
    window.location.assign(data.next);
  });
  const main = /** @type {HTMLElement} */ (document.getElementById("main"));
  main.replaceChildren(page);
  window.scrollTo(0, 0);
  const heading = /** @type {HTMLElement} */ (main.querySelector("h1"));
  heading.tabIndex = -1; // so a screen reader starts at the new page's heading
  heading.focus();
}

/**
 * Send the sealed report; answer with what the server said.
 * @param {SealingData} data
 * @param {FormData} body
 * @returns {Promise<{ reference?: string, problem?: string, submission?: string, csrf_token?: string }>}
 */
async function send(data, body) {
  const response = await fetch(data.send_to, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  try {
    return await response.json();
  } catch {
    return { problem: data.messages.failed };
  }
}

/**
 * Take over the report form's "Send my report" when this browser can seal it.
 * @param {Document} page
 */
export function startReportForm(page) {
  const form = page.getElementById("report-form");
  const block = page.getElementById("sealing-data");
  if (!(form instanceof HTMLFormElement) || !block || !globalThis.crypto?.subtle) {
    return;
  }
  /** @type {SealingData} */
  const data = JSON.parse(block.textContent ?? "{}");
  /** @type {{ token: string, codename: string } | null} */
  let made = null; // one codename per form token: a repeat names the same report
  let sending = false;
  let byServer = false; // she chose the server's path for what she chose to send
  let releaseHere = false; // known before she can press "Send my report"
  releaseSealing().then((found) => {
    releaseHere = found;
  });
  /**
   * Seal what she typed and chose, and send it; or say why not.
   * @param {HTMLElement} submitter
   */
  const sealAndSend = async (submitter) => {
    const account = accountOf(form, data);
    const chosen = chosenFiles(form);
    const problems = problemsOf(form, data, account, chosen.length > 0);
    showProblems(problems, data.messages.problem);
    if (problems.length > 0) {
      return;
    }
    showStatus(data.messages.sending);
    const keepDetails = new FormData(form).has("keep_metadata");
    const files = await prepareReportFiles(chosen, keepDetails, { maxBytes: data.max_upload_bytes });
    const refused = files.flatMap((file) => (file.outcome === "refused" ? [file.problem] : []));
    const forServer = files.flatMap((file) => (file.outcome === "server" ? [file.file.name] : []));
    if (refused.length > 0 || forServer.length > 0) {
      showStatus("");
      showProblems(
        refused.map((problem) => ["files", problem]),
        data.messages.problem,
      );
      if (refused.length === 0) {
        askAboutServerFiles(forServer, () => {
          byServer = true;
          form.requestSubmit(submitter);
        });
      }
      return;
    }
    const token = String(new FormData(form).get("submission") ?? "");
    if (made?.token !== token) {
      made = { token, codename: newCodename() };
    }
    const { codename } = made;
    /** @type {Uint8Array[]} */
    let releaseKeys = [];
    if (consentOf(form).waits) {
      const asked = await askReleaseKeys(form, data, account);
      renewTokens(form, asked);
      if (!asked.keys) {
        showStatus("");
        showProblems([["release", asked.problem ?? data.messages.failed]], data.messages.problem);
        return;
      }
      releaseKeys = asked.keys.map(fromBase64);
    }
    const body = await sealReport(form, data, account, codename, files, releaseKeys);
    const answer = await send(data, body);
    renewTokens(form, answer);
    if (answer.reference) {
      showCodename(data, codename, answer.reference, account.in_danger === "yes");
      return;
    }
    showStatus("");
    showProblems([["report-form", answer.problem ?? data.messages.failed]], data.messages.problem);
  };
  form.addEventListener("submit", async (event) => {
    const submitter = /** @type {SubmitEvent} */ (event).submitter;
    if (byServer || !submitter || submitter.getAttribute("name") !== "submit" || !sealsHere(form, data, releaseHere)) {
      return; // "Add another officer", or what goes by the server's path
    }
    event.preventDefault();
    if (sending) {
      return;
    }
    sending = true;
    try {
      await sealAndSend(submitter);
    } catch {
      showStatus("");
      showProblems([["report-form", data.messages.failed]], data.messages.problem);
    } finally {
      sending = false;
    }
  });
}
