// The transfer form: the new union's code or the place of residence, whichever the case needs.
// Show the new union's code or the place of residence, whichever the chosen case needs.
(function () {
  var radios = document.querySelectorAll("input[name=target]");
  var code = document.getElementById("id_to_org_code").closest(".field");
  var home = document.getElementById("id_residence_division").closest(".field");
  function sync() {
    var v = (document.querySelector("input[name=target]:checked") || {}).value;
    code.hidden = v === "none"; home.hidden = v !== "none";
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); }); sync();
})();
