// 12351 workbench (issue 18): copy the caller found by 查询来电人 into the intake form.
// The lookup answer (an htmx swap into #lookup) carries data-fill-<field> attributes; each value goes
// into the empty form field of that name, and the page says which fields were filled.
// No inline JavaScript in templates: a Content-Security-Policy is coming (DESIGN.md).
(function () {
  var FIELDS = { callername: "caller_name", employername: "employer_name", divisioncode: "division_code" };
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail && event.detail.target;
    if (!box || box.id !== "lookup") return;
    var result = box.querySelector(".lookup-result");
    var form = document.getElementById("new-call");
    if (!result || !form) return;
    var filled = [];
    Object.keys(FIELDS).forEach(function (key) {
      var value = result.getAttribute("data-fill-" + key);
      var field = form.elements[FIELDS[key]];
      if (!value || !field || field.value) return;
      if (field.tagName === "SELECT" && !field.querySelector('option[value="' + value + '"]')) return;
      field.value = value;
      field.classList.add("suggested");
      var label = form.querySelector('label[for="' + field.id + '"]');
      filled.push(label ? label.firstChild.textContent.trim() : FIELDS[key]);
    });
    var note = result.querySelector(".filled");
    if (note && filled.length) {
      note.textContent = (box.getAttribute("data-filled-text") || "已填入：") + filled.join("、");
      note.hidden = false;
    }
  });
})();
