// Small behaviours of every console page, kept out of the templates (no inline JavaScript: CSP).
// A <select class="autosubmit"> sends its form when changed (the language menu).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field && field.classList && field.classList.contains("autosubmit") && field.form) field.form.submit();
});
