// Node 18 (Debian's) has WebCrypto only as node:crypto's `webcrypto`;
// browsers and Node 19+ have it as globalThis.crypto, which the sources use.
import { webcrypto } from "node:crypto";

if (globalThis.crypto === undefined) globalThis.crypto = webcrypto;
