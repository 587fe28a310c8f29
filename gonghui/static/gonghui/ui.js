// Small behaviours shared by every page, bound by data attributes instead of inline handlers
// (the Content-Security-Policy allows no inline script): data-autosubmit submits the enclosing
// form on change, data-print prints the page, data-back goes back one page.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.hasAttribute && (el.hasAttribute("data-autosubmit") || el.classList.contains("autosubmit")) && el.form) el.form.submit();
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-print], [data-back]");
  if (!el) return;
  event.preventDefault();
  if (el.hasAttribute("data-print")) window.print();
  else window.history.back();
});
