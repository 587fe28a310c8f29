// Job search near the member: "用我的位置" asks the browser for its position (WGS-84 from the
// Geolocation API), fills the hidden lat/lon fields and submits; without permission the page keeps
// searching around the member's union. Loaded with defer; no inline script (CSP).
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var form = document.getElementById("job-search");
  if (!button || !form) return;
  button.addEventListener("click", function () {
    if (!navigator.geolocation) {
      button.textContent = button.dataset.denied;
      return;
    }
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        document.getElementById("near-lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("near-lon").value = pos.coords.longitude.toFixed(6);
        form.submit();
      },
      function () {
        button.disabled = false;
        button.textContent = button.dataset.denied;
      },
      { enableHighAccuracy: false, timeout: 8000, maximumAge: 600000 }
    );
  });
})();
