// The hall display (issue 16). The screen is not logged in, so it has no event stream: it
// re-reads its fragment (two queries on the server) every few seconds. A link that stopped
// working (revoked, or the fair's day is over: 404/410) reloads the page, which then says so.
// On the organiser's link page: the copy button.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      field.select();
      var done = function () { button.textContent = button.getAttribute("data-done"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
  var box = document.querySelector("[data-poll]");
  if (!box) return;
  var every = parseInt(box.getAttribute("data-every"), 10) || 5000;
  var offline = document.querySelector("[data-offline]"), busy = false, failures = 0;
  function refresh() {
    if (busy) return;
    busy = true;
    // no cookies (the screen has no login; a signed-in browser would cost a query more), no referrer
    fetch(box.getAttribute("data-poll"), {credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer"})
      .then(function (r) {
        if (r.status === 404 || r.status === 410) {
          window.location.reload();
          return null;
        }
        if (!r.ok) throw new Error("board unavailable: " + r.status);
        return r.text();
      })
      .then(function (html) {
        if (html === null) return;
        box.innerHTML = html;
        box.setAttribute("data-updated", String(Date.now()));
        failures = 0;
        if (offline) offline.hidden = true;
      })
      .catch(function () {
        failures += 1;
        if (offline && failures >= 3) offline.hidden = false;  // the board on screen is getting old: say so
      })
      .then(function () { busy = false; });
  }
  setInterval(refresh, every);
});
