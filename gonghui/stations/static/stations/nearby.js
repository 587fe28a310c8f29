// 附近服务: ask the phone for its location (with the member's permission) and post it; the location
// never goes into a URL. Browsers report WGS-84, which is what the server expects by default.
(function () {
  "use strict";
  var form = document.getElementById("nearby-form");
  if (!form) return;
  var status = document.getElementById("locate-status");
  var button = document.getElementById("locate");

  function say(text) { if (status) status.textContent = text; }

  function locate() {
    if (!navigator.geolocation) { say("此浏览器不能定位，请选择所在区县"); return; }
    say("正在获取您的位置…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("nearby-lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("nearby-lon").value = pos.coords.longitude.toFixed(6);
      var district = form.querySelector("select[name=district]");
      if (district) district.value = "";
      form.submit();
    }, function () {
      say("没有取得位置权限，请选择所在区县后点“查找”");
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  if (button) button.addEventListener("click", locate);
  var district = form.querySelector("select[name=district]");
  if (district) district.addEventListener("change", function () {
    document.getElementById("nearby-lat").value = "";
    document.getElementById("nearby-lon").value = "";
  });
  if (form.dataset.auto === "1") locate();
})();
