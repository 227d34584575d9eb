// Live fair pages: a block with data-live (the fair's event stream) and data-partial (its
// fragment URL) re-renders itself when the fair changes. Server-sent events first; if the
// stream is refused (the server caps open streams: each holds one of its threads) or keeps
// failing, the block polls every 5 seconds instead and tries the stream again later.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // The desk: where the browser can read QR codes itself (BarcodeDetector), scan with the camera
  // and submit; otherwise a handheld scanner types the code into the field.
  var scan = document.querySelector("[data-scan]");
  if (scan && "BarcodeDetector" in window && navigator.mediaDevices) {
    scan.hidden = false;
    scan.querySelector("[data-scan-start]").addEventListener("click", function () {
      var video = scan.querySelector("[data-scan-video]"), form = scan.closest("form");
      var detector = new window.BarcodeDetector({formats: ["qr_code"]});
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        var tick = setInterval(function () {
          detector.detect(video).then(function (codes) {
            if (!codes.length) return;
            clearInterval(tick);
            stream.getTracks().forEach(function (t) { t.stop(); });
            form.querySelector("select[name=how]").value = "token";
            form.querySelector("input[name=value]").value = codes[0].rawValue;
            form.submit();
          }).catch(function () {});
        }, 300);
      }).catch(function () { scan.hidden = true; });
    });
  }
  document.querySelectorAll("[data-live]").forEach(function (box) {
    var busy = false, again = false, failures = 0, timer = null, last = 0, queued = null;
    var me = box.getAttribute("data-profile"), booth = box.getAttribute("data-booth");
    // Which events concern this page: a person's page changes with their own check-in and
    // interviews and with allocation rounds; a booth's with any check-in (its ranking), its own
    // interviews and rounds; the board with everything. Others are ignored, so a busy hall does
    // not make every phone reload on every check-in.
    function concerns(msg) {
      if (["allocation", "slot", "fair", "booth"].indexOf(msg.type) >= 0) return true;
      if (me) return String(msg.profile) === me;
      if (booth) return msg.type === "checkin" || String(msg.booth) === booth;
      return true;
    }
    // At most one refresh every 0.8 seconds (the last event is never lost: a trailing refresh runs),
    // so a page stays within a second of the hall while a burst of events costs one fetch.
    function soon() {
      var wait = last + 800 - Date.now();
      if (wait <= 0) { refresh(); return; }
      if (!queued) { queued = setTimeout(function () { queued = null; refresh(); }, wait); }
    }
    function refresh() {
      last = Date.now();
      if (busy) { again = true; return; }
      busy = true;
      fetch(box.getAttribute("data-partial"), {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null) {
            box.innerHTML = html;
            box.setAttribute("data-updated", String(Date.now()));
          }
        })
        .catch(function () {})
        .then(function () { busy = false; if (again) { again = false; refresh(); } });
    }
    function poll() { if (!timer) { timer = setInterval(refresh, 5000); } }
    function stopPolling() { if (timer) { clearInterval(timer); timer = null; } }
    if (!window.EventSource) { poll(); return; }
    // When the stream is refused or keeps failing: poll, and try the stream again after a while
    // (30 s, doubling up to 5 minutes, each with a random share so that the phones a busy server
    // refused together do not all come back at the same moment).
    var retryIn = 30000, retryTimer = null, opened = false;
    function retryLater() {
      if (retryTimer) return;
      var wait = retryIn * (0.75 + Math.random() * 0.5);
      retryIn = Math.min(retryIn * 2, 300000);
      retryTimer = setTimeout(function () { retryTimer = null; listen(); }, wait);
    }
    function listen() {
      failures = 0;
      var es = new EventSource(box.getAttribute("data-live"));
      es.addEventListener("fair", function (ev) {
        failures = 0;
        var msg = {};
        try { msg = JSON.parse(ev.data); } catch (e) { msg = {}; }
        if (concerns(msg)) soon();
      });
      es.addEventListener("open", function () {
        // (re)connected: catch up once on what happened while no stream was open (between two
        // streams, or while polling), then follow the events
        failures = 0;
        retryIn = 30000;
        stopPolling();
        if (opened) soon();
        opened = true;
      });
      es.addEventListener("error", function () {
        // A dropped stream (the server ends each after ~55 s) is reopened by the browser itself
        // (readyState CONNECTING). An answer that is not a stream (503 with Retry-After when the
        // server's streams are full; also 401 or 404) closes it for good (CLOSED): poll at once.
        failures += 1;
        if (es.readyState === EventSource.CLOSED || failures > 3) {
          es.close();
          poll();
          retryLater();
        }
      });
    }
    listen();
    setInterval(refresh, 30000);  // a safety net for lost events
  });
});
