// src/page/keys.js
function b64u(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function fromB64u(text) {
  const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(plain, (c) => c.charCodeAt(0));
}
async function ask(form, url, body) {
  const token = (
    /** @type {HTMLInputElement | null} */
    form.elements.namedItem("csrf_token")
  );
  const response = await fetch(url, {
    method: "POST",
    body: JSON.stringify(body),
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRFToken": token ? token.value : ""
    }
  });
  const answer = await response.json();
  if (!response.ok) throw new Refused(answer.problem || form.dataset.failed || "");
  return answer;
}
var Refused = class extends Error {
};
async function touch(options) {
  const json = options.publicKey;
  const byCredential = {};
  for (const [id, salts] of Object.entries(options.prf || {})) {
    if (!salts.first) continue;
    byCredential[id] = { first: fromB64u(salts.first) };
    if (salts.second) byCredential[id].second = fromB64u(salts.second);
  }
  const credential = (
    /** @type {PublicKeyCredential} */
    await navigator.credentials.get({
      publicKey: {
        challenge: fromB64u(json.challenge),
        timeout: json.timeout,
        rpId: json.rpId,
        userVerification: json.userVerification,
        allowCredentials: (json.allowCredentials || []).map(
          (c) => ({
            type: c.type,
            id: fromB64u(c.id)
          })
        ),
        extensions: (
          /** @type {any} */
          { prf: { evalByCredential: byCredential } }
        )
      }
    })
  );
  const response = (
    /** @type {AuthenticatorAssertionResponse} */
    credential.response
  );
  const results = (
    /** @type {any} */
    credential.getClientExtensionResults().prf?.results
  );
  return {
    credential: JSON.stringify({
      id: credential.id,
      rawId: b64u(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: b64u(response.clientDataJSON),
        authenticatorData: b64u(response.authenticatorData),
        signature: b64u(response.signature),
        userHandle: response.userHandle ? b64u(response.userHandle) : null
      },
      clientExtensionResults: {}
    }),
    first: results?.first ? b64u(results.first) : "",
    second: results?.second ? b64u(results.second) : ""
  };
}
async function create(json, salt) {
  const credential = (
    /** @type {PublicKeyCredential} */
    await navigator.credentials.create({
      publicKey: {
        challenge: fromB64u(json.challenge),
        rp: json.rp,
        user: { ...json.user, id: fromB64u(json.user.id) },
        pubKeyCredParams: json.pubKeyCredParams,
        timeout: json.timeout,
        excludeCredentials: (json.excludeCredentials || []).map(
          (c) => ({
            type: c.type,
            id: fromB64u(c.id)
          })
        ),
        authenticatorSelection: json.authenticatorSelection,
        attestation: json.attestation,
        extensions: (
          /** @type {any} */
          { prf: { eval: { first: fromB64u(salt) } } }
        )
      }
    })
  );
  const response = (
    /** @type {AuthenticatorAttestationResponse} */
    credential.response
  );
  return {
    id: credential.rawId,
    json: JSON.stringify({
      id: credential.id,
      rawId: b64u(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: b64u(response.clientDataJSON),
        attestationObject: b64u(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : []
      },
      clientExtensionResults: {}
    }),
    prf: (
      /** @type {any} */
      credential.getClientExtensionResults().prf
    )
  };
}
function fill(form, values) {
  for (const [name, value] of Object.entries(values)) {
    const input = form.elements.namedItem(name);
    if (input instanceof HTMLInputElement) input.value = value;
  }
}
function say(form, text) {
  const box = document.getElementById(form.dataset.status || "");
  if (!box) return;
  box.hidden = !text;
  const line = box.querySelector("p");
  if (line) line.textContent = text;
}
function problem(form, error) {
  if (error instanceof DOMException) {
    if (error.name === "InvalidStateError") return form.dataset.already || "";
    return form.dataset.noKey || "";
  }
  return error instanceof Refused && error.message || form.dataset.failed || "";
}
function takeOver(form, work, wanted = () => true) {
  let busy = false;
  form.addEventListener("submit", async (event) => {
    if (!wanted()) return;
    event.preventDefault();
    if (busy) return;
    busy = true;
    say(form, "");
    try {
      await work(form);
      HTMLFormElement.prototype.submit.call(form);
    } catch (error) {
      say(form, problem(form, error));
    } finally {
      busy = false;
    }
  });
}
var webAuthn = () => typeof window.PublicKeyCredential === "function";
function signIn(form) {
  const code = (
    /** @type {HTMLInputElement | null} */
    form.elements.namedItem("code")
  );
  const name = (
    /** @type {HTMLInputElement} */
    form.elements.namedItem("name")
  );
  takeOver(
    form,
    async () => {
      say(form, form.dataset.touch || "");
      const options = await ask(form, form.dataset.keyOptions || "", { name: name.value });
      const answer = await touch(options);
      fill(form, {
        assertion: answer.credential,
        prf_first: answer.first,
        prf_second: answer.second
      });
    },
    () => !(code && code.value.trim())
    // a code typed: the code path
  );
}
function addKey(form) {
  takeOver(form, async () => {
    const options = await ask(form, form.dataset.options || "", {});
    if (options.check) {
      say(form, form.dataset.touchOld || "");
      const old = await touch(options.check);
      fill(form, { check: old.credential, check_prf: old.first });
    }
    say(form, form.dataset.touchNew || "");
    const made = await create(options.publicKey, options.prfSalt);
    fill(form, { registration: made.json });
    if (made.prf && made.prf.enabled === false) return;
    say(form, form.dataset.touchAgain || "");
    const id = b64u(made.id);
    const confirm = await touch({
      publicKey: {
        challenge: options.confirm,
        rpId: options.publicKey.rp.id,
        timeout: options.publicKey.timeout,
        userVerification: "required",
        allowCredentials: [{ id, type: "public-key" }]
      },
      prf: { [id]: { first: options.prfSalt, second: null } }
    });
    fill(form, { confirm: confirm.credential, confirm_prf: confirm.first });
  });
}
function removeKey(form) {
  takeOver(form, async () => {
    const { options } = await ask(form, form.dataset.check || "", {
      leaving: Number(form.dataset.keyId)
    });
    if (!options.length) return;
    say(form, form.dataset.touchOther || "");
    const other = await touch(options[0]);
    fill(form, { check: other.credential, check_prf: other.first });
  });
}
function rewrap(form) {
  takeOver(form, async () => {
    const { options } = await ask(form, form.dataset.check || "", { each: true });
    const touched = [];
    for (const [index, each] of options.entries()) {
      say(form, (form.dataset.touchEach || "").replace("{n}", String(index + 1)));
      try {
        const answer = await touch(each);
        touched.push({ credential: answer.credential, first: answer.first });
      } catch (error) {
        if (!(error instanceof DOMException)) throw error;
      }
    }
    fill(form, { touches: JSON.stringify(touched) });
  });
}
function startKeyPages() {
  const forms = (
    /** @type {[string, (form: HTMLFormElement) => void][]} */
    [
      ["form[data-key-sign-in]", signIn],
      ["form[data-add-key]", addKey],
      ["form[data-remove-key]", removeKey],
      ["form[data-rewrap]", rewrap]
    ]
  );
  for (const [selector, start] of forms) {
    for (const form of document.querySelectorAll(selector)) {
      if (!(form instanceof HTMLFormElement)) continue;
      if (!webAuthn()) {
        say(form, form.dataset.noWebauthn || "");
        continue;
      }
      for (const part of form.querySelectorAll("[data-needs-webauthn]")) {
        if (part instanceof HTMLElement) part.hidden = false;
      }
      start(form);
    }
  }
}
startKeyPages();
export {
  startKeyPages
};
