// "Exit this page": pressing Shift three times within two seconds leaves at
// once, like the button. location.replace keeps this page out of the Back
// button's history. Without JavaScript the button still works as a link.
(function () {
  "use strict";
  var link = document.getElementById("exit-this-page");
  if (!link) { return; }
  var presses = [];
  function leave(event) {
    if (event) { event.preventDefault(); }
    // Pages that would ask "leave this page?" (the codename page) do not ask now.
    document.documentElement.dataset.exiting = "yes";
    document.body.style.visibility = "hidden";
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  // The Shift keys work only while this script runs, so only now are they offered.
  var shiftHint = document.getElementById("exit-shift-hint");
  if (shiftHint) { shiftHint.hidden = false; }
  // Signed-in pages warn two minutes before the 15-minute idle limit.
  var warning = document.getElementById("idle-warning");
  if (warning) {
    window.setTimeout(function () { warning.hidden = false; }, 13 * 60 * 1000);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) { return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 2000; });
    presses.push(now);
    if (presses.length >= 3) { leave(); }
  });
}());
