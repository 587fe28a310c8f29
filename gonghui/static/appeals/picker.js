// 转办 picker: Enter in the org search field searches instead of submitting the form
// (the form would be sent with no org chosen). No inline JavaScript: see DESIGN.md (CSP).
document.addEventListener("keydown", function (event) {
  var field = event.target;
  if (event.key === "Enter" && field && field.classList && field.classList.contains("org-search")) {
    event.preventDefault();
    field.dispatchEvent(new Event("search", { bubbles: true }));
  }
});
