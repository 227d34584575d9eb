// Progressive enhancement only: every page works without JavaScript.
// On the posting form, show only the fieldset of the chosen kind.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("posting-form");
  if (!form) return;
  var kind = form.querySelector("select[name=kind]");
  function sync() {
    form.querySelectorAll("fieldset[data-kind]").forEach(function (fs) {
      var on = fs.getAttribute("data-kind") === kind.value;
      fs.hidden = !on;
      fs.querySelectorAll("input, select").forEach(function (el) { el.disabled = !on; });
    });
  }
  kind.addEventListener("change", sync);
  sync();
});
