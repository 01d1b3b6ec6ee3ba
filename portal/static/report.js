// "Add another officer" without a round trip: the next hidden officer block is
// shown, and the count the form sends back says so, so a redrawn page keeps it.
// Without JavaScript the button sends the form, which comes back with one more
// block and everything typed kept.
(function () {
  "use strict";
  var button = document.getElementById("add_officer");
  var shown = document.getElementById("officers_shown");
  var wrapper = document.getElementById("add-officer");
  if (!button || !shown || !wrapper) { return; }
  button.addEventListener("click", function (event) {
    var next = document.querySelector("fieldset.officer[hidden]");
    if (!next) { return; }
    event.preventDefault();
    next.hidden = false;
    shown.value = String(Number(shown.value || "1") + 1);
    if (!document.querySelector("fieldset.officer[hidden]")) { wrapper.hidden = true; }
    var first = next.querySelector("input");
    if (first) { first.focus(); }
  });
}());
