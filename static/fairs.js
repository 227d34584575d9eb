// Live fair pages: a block with data-live (the fair's event stream) and data-partial (its
// fragment URL) re-renders itself when the fair changes. Server-sent events first; if the
// stream cannot be opened (or keeps failing) the block polls every 5 seconds instead.
// A person's QR block (data-reload-when="checkin") reloads the whole page after check-in.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-live]").forEach(function (box) {
    var busy = false, again = false, failures = 0, timer = null;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(box.getAttribute("data-partial"), {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null) {
            box.innerHTML = html;
            box.setAttribute("data-updated", String(Date.now()));
            if (box.getAttribute("data-reload-when") && !box.querySelector("[data-test=qr]")) {
              box.setAttribute("data-reload-when", "");
            }
          }
        })
        .catch(function () {})
        .then(function () { busy = false; if (again) { again = false; refresh(); } });
    }
    function poll() { if (!timer) { timer = setInterval(refresh, 5000); } }
    if (!window.EventSource) { poll(); return; }
    var es = new EventSource(box.getAttribute("data-live"));
    es.addEventListener("fair", function () { failures = 0; refresh(); });
    es.addEventListener("open", function () { failures = 0; });
    es.addEventListener("error", function () {
      failures += 1;
      if (failures > 3) { es.close(); poll(); }
    });
    setInterval(refresh, 30000);  // a safety net for lost events
  });
});
