// Portal join form: the gig-worker fields only matter for 新就业形态劳动者, so hide them for other types.
(function () {
  var type = document.getElementById("id_worker_type");
  if (!type) return;
  var gig = ["id_gig_subtype", "id_platform"].map(function (id) { return document.getElementById(id).closest(".field"); });
  function sync() { gig.forEach(function (f) { f.hidden = type.value !== "gig"; }); }
  type.addEventListener("change", sync); sync();
})();
