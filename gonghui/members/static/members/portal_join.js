// The join form: gig-worker fields shown only for 新就业形态劳动者 (out of the template for the CSP).
// Gig-worker fields only matter for 新就业形态劳动者: hide them for other worker types.
(function () {
  var type = document.getElementById("id_worker_type");
  var gig = ["id_gig_subtype", "id_platform"].map(function (id) { return document.getElementById(id).closest(".field"); });
  function sync() { gig.forEach(function (f) { f.hidden = type.value !== "gig"; }); }
  type.addEventListener("change", sync); sync();
})();
