// The partner counter page: offline voucher verification and sync (moved out of the template for the CSP).
(function () {
  const cfg = document.getElementById("counter-config").dataset;
  const partner = Number(cfg.partner);
  const QUEUE = "gh-offline-redemptions-" + partner;
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const out = document.getElementById("offline");
  const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), c => c.charCodeAt(0));

  async function publicKey() {
    let raw = localStorage.getItem("gh-public-key");
    try {
      const r = await fetch("/api/v1/cards/public-key");
      if (r.ok) { raw = (await r.json()).public_key; localStorage.setItem("gh-public-key", raw); }
    } catch (e) { /* offline: use the stored key */ }
    return raw && crypto.subtle.importKey("raw", Uint8Array.from(atob(raw), c => c.charCodeAt(0)), {name: "Ed25519"}, false, ["verify"]);
  }
  const keyPromise = publicKey();

  async function verifyOffline(text) {
    const parts = text.trim().split(".");
    if (parts.length !== 3 || parts[0] !== "GV1") return {ok: false, message: cfg.notVoucher};
    const key = await keyPromise;
    if (!key) return {ok: false, message: cfg.noKey};
    const body = b64(parts[1]);
    const good = await crypto.subtle.verify({name: "Ed25519"}, key, b64(parts[2]), body);
    if (!good) return {ok: false, message: cfg.badSignature};
    const [code, campaign, expires] = new TextDecoder().decode(body).split("|");
    if (Number(expires) * 1000 < Date.now()) return {ok: false, message: cfg.expired};
    return {ok: true, code: code};
  }

  function queue() { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); }
  function show() {
    const q = queue();
    out.innerHTML = q.length ? "<p class='flash'>" + cfg.pending + ": " + q.length + "</p>" : "";
  }

  async function sync() {
    const q = queue();
    if (!q.length || !navigator.onLine) return show();
    try {
      const r = await fetch("/api/v1/benefits/counter/sync", {
        method: "POST", headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify({partner: partner, items: q}),
      });
      if (!r.ok) return show();
      const results = await r.json();
      localStorage.setItem(QUEUE, "[]");
      out.innerHTML = results.map(x => "<p class='flash " + (x.ok ? "flash-success" : "flash-error") + "'>" + x.code + " · " + x.message + "</p>").join("");
    } catch (e) { show(); }
  }

  // A redeem that cannot reach the server: verify the signature here and queue it.
  document.body.addEventListener("htmx:sendError", async function (event) {
    const form = event.detail.elt.closest("form");
    const payload = form && form.querySelector("[name=payload]");
    if (!form || !form.dataset.redeem || !payload) return;
    const check = await verifyOffline(payload.value);
    if (!check.ok) { out.innerHTML = "<p class='flash flash-error'>" + check.message + "</p>"; return; }
    const q = queue();
    if (!q.some(x => x.payload === payload.value)) {
      q.push({payload: payload.value, scanned_at: new Date().toISOString(), place: document.getElementById("place").value});
      localStorage.setItem(QUEUE, JSON.stringify(q));
    }
    show();
    out.insertAdjacentHTML("afterbegin", "<p class='flash flash-success'>" + cfg.queued + "</p>");
  });
  window.addEventListener("online", sync);
  sync();

  // Camera scanning where the browser has a barcode detector (Chromium on Android).
  if ("BarcodeDetector" in window) {
    const button = document.getElementById("camera-button"), video = document.getElementById("camera");
    button.hidden = false;
    button.addEventListener("click", async function () {
      const detector = new BarcodeDetector({formats: ["qr_code"]});
      const stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
      video.srcObject = stream; video.hidden = false; await video.play();
      const tick = async () => {
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length) {
          stream.getTracks().forEach(t => t.stop()); video.hidden = true;
          document.getElementById("payload").value = codes[0].rawValue;
          htmx.trigger("#scan-form", "submit");
        } else requestAnimationFrame(tick);
      };
      tick();
    });
  }
})();
