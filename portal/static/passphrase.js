// Strength of a new passphrase, shown as it is typed.
//
// A rough estimate made here, in the page: nothing typed is sent anywhere (the
// Content-Security-Policy allows this page no connection of its own). The
// server decides when the form is sent (five or more words of its list, or
// zxcvbn's top score) and says in words what to change; without JavaScript
// that message is the only feedback. The estimate is meant to err on the
// cautious side: it counts each run of letters as one dictionary word (a
// long run as several), a year or a run like 12345 as almost nothing, a word
// typed twice as nothing new, and it reads 4 as "a", 0 as "o" and so on.
(function () {
  "use strict";

  var MIN_LENGTH = 12; // the server's own minimum
  var WORD_BITS = 16; // one word of a 65,000-word dictionary, names included
  var STRONG_BITS = 40; // zxcvbn's top score starts near 33 bits: stay above it
  var FAIR_BITS = 28;
  var SEQUENCES = ["abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "01234567890"];
  var LOOKALIKES = { "@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t" };
  var MESSAGES = [
    "",
    "Too short: use at least 12 characters, or better, five or more unrelated words.",
    "Too easy to guess. Use five or more unrelated words, such as the ones suggested.",
    "Could still be guessed: add one or two more unrelated words.",
    "Strong. It is checked again when you send the form."
  ];
  var NAME_MESSAGE = "Leave your name out of it.";

  function plain(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function inSequence(token) {
    if (token.length < 3) { return false; }
    return SEQUENCES.some(function (sequence) {
      var reversed = sequence.split("").reverse().join("");
      return sequence.indexOf(token) >= 0 || reversed.indexOf(token) >= 0;
    });
  }

  function tokenBits(token) {
    if (/^(.)\1+$/.test(token)) { return 3; } // aaaa, 1111, !!!
    if (inSequence(token)) { return 4; } // abcd, qwerty, 12345
    if (/^[a-z]+$/.test(token)) {
      // A short run is cheaper to try letter by letter; a long one holds several words.
      return Math.min(4.7 * token.length, WORD_BITS * Math.max(1, Math.floor(token.length / 6)));
    }
    if (/^[0-9]+$/.test(token)) {
      if (/^(19|20)[0-9]{2}$/.test(token)) { return 7; } // a year
      return 3.3 * token.length;
    }
    return 4 * token.length; // symbols
  }

  function bits(text) {
    var tokens = text.match(/[a-z]+|[0-9]+|[^a-z0-9\s]+/g) || [];
    var seen = {};
    var total = 0;
    tokens.forEach(function (token) {
      total += seen[token] ? 1 : tokenBits(token);
      seen[token] = true;
    });
    return total;
  }

  function lookalikesRead(text) {
    return text.replace(/[@4310!$57]/g, function (ch) { return LOOKALIKES[ch]; });
  }

  function containsName(text, name) {
    if (!name) { return false; }
    var at = text.indexOf(name);
    while (at >= 0) {
      var before = text.charAt(at - 1);
      var after = text.charAt(at + name.length);
      if (!/[a-z]/.test(before) && !/[a-z]/.test(after)) { return true; }
      at = text.indexOf(name, at + 1);
    }
    return false;
  }

  // [level, words]: 0 nothing typed, 1 too short, 2 too easy, 3 could be guessed, 4 strong.
  function judge(typed, name) {
    if (!typed) { return [0, MESSAGES[0]]; }
    if (typed.length < MIN_LENGTH) { return [1, MESSAGES[1]]; }
    var text = plain(typed);
    if (containsName(text, plain(name))) { return [2, NAME_MESSAGE]; }
    var estimate = Math.min(bits(text), bits(lookalikesRead(text)));
    var found = estimate >= STRONG_BITS ? 4 : estimate >= FAIR_BITS ? 3 : 2;
    return [found, MESSAGES[found]];
  }

  function attach(input) {
    var box = document.getElementById(input.getAttribute("data-strength-meter"));
    if (!box) { return; }
    var meter = box.querySelector("meter");
    var words = box.querySelector(".strength-text");
    var nameField = document.getElementById(input.getAttribute("data-name-field") || "");
    box.hidden = false;
    function update() {
      var name = nameField ? nameField.value : input.getAttribute("data-account-name") || "";
      var found = judge(input.value, name.trim());
      meter.value = found[0];
      box.setAttribute("data-level", String(found[0]));
      if (words.textContent !== found[1]) { words.textContent = found[1]; }
    }
    input.addEventListener("input", update);
    if (nameField) { nameField.addEventListener("input", update); }
    update();
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-strength-meter]"), attach);
}());
