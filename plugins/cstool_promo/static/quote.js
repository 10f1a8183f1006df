// 报价: pick products by name, quantities, region, coupons → /api/quote (the engine of `promo quote`).
(function () {
  "use strict";
  var app = document.getElementById("quote-app");
  var select = document.getElementById("campaign");
  var at = document.getElementById("at");
  var region = document.getElementById("region");
  var couponBox = document.getElementById("coupons");
  var search = document.getElementById("product-search");
  var list = document.getElementById("products");
  var cartBody = document.querySelector("#cart tbody");
  var campaign = null;
  var cart = [];  // [{sku, title, price, qty}]
  var timer = null;
  var seq = 0;
  var first = true;

  function yuan(v) { return "¥" + v; }

  function loadCampaign() {
    if (!select.value) { return; }
    cstool.get("/api/campaign?key=" + encodeURIComponent(select.value)).then(function (c) {
      campaign = c;
      document.getElementById("window").textContent = "活动时间 " + c.start.slice(0, 16).replace("T", " ") + " 至 " + c.end.slice(0, 16).replace("T", " ") + (c.running ? "（进行中）" : "");
      var held = first && app.hasAttribute("data-coupons") ? app.getAttribute("data-coupons").split(",").filter(Boolean) : null;
      couponBox.textContent = "";
      if (c.coupons.length) { couponBox.appendChild(cstool.el("span", { className: "muted", text: "买家持有的优惠券：" })); }
      c.coupons.forEach(function (cp) {
        var box = cstool.el("input", { type: "checkbox", value: cp.id, "data-coupon": cp.id });
        box.checked = held === null || held.indexOf(cp.id) >= 0;
        box.addEventListener("change", schedule);
        couponBox.appendChild(cstool.el("label", { className: "check" }, [box, " " + cp.label + "（" + cp.id + "）"]));
      });
      at.value = first && app.getAttribute("data-at") ? app.getAttribute("data-at") : c.default_at;
      if (first && app.getAttribute("data-region")) { region.value = app.getAttribute("data-region"); }
      if (first && app.getAttribute("data-items")) {
        app.getAttribute("data-items").split(",").forEach(function (pair) {
          var bits = pair.split(":"); add(bits[0], parseInt(bits[1] || "1", 10), true);
        });
      } else if (!first) { cart = cart.filter(function (line) { return product(line.sku); }); }
      first = false;
      filter(); renderCart(); schedule();
    }, function (error) { showError(error.message); });
  }

  function product(sku) {
    return (campaign ? campaign.products : []).filter(function (p) { return p.sku === sku; })[0];
  }

  function filter() {
    var text = search.value.trim().toLowerCase();
    list.textContent = "";
    (campaign ? campaign.products : []).filter(function (p) {
      return !text || p.title.toLowerCase().indexOf(text) >= 0 || p.sku.toLowerCase() === text || (p.category || "").indexOf(text) >= 0;
    }).slice(0, 30).forEach(function (p) {
      var button = cstool.el("button", { type: "button", "data-sku": p.sku, text: "加入" });
      button.addEventListener("click", function () { add(p.sku, 1); search.focus(); });
      list.appendChild(cstool.el("li", {}, [cstool.el("span", { className: "grow", text: p.title + "（" + p.sku + "）" }),
        cstool.el("span", { className: "num", text: yuan(p.price) }), button]));
    });
  }

  function add(sku, qty, quiet) {
    var p = product(sku);
    if (!p) { if (!quiet) { cstool.toast("商品表里没有 " + sku); } return; }
    var line = cart.filter(function (l) { return l.sku === sku; })[0];
    if (line) { line.qty += qty; } else { cart.push({ sku: sku, title: p.title, price: p.price, qty: qty }); }
    renderCart(); schedule();
  }

  function renderCart() {
    cartBody.textContent = "";
    document.getElementById("cart-empty").hidden = cart.length > 0;
    cart.forEach(function (line, i) {
      var qty = cstool.el("input", { type: "number", min: "1", step: "1", value: String(line.qty), "aria-label": line.title + " 件数", "data-qty": line.sku, className: "qty" });
      qty.addEventListener("input", function () { var n = parseInt(qty.value, 10); if (n >= 1) { line.qty = n; schedule(); } });
      var remove = cstool.el("button", { type: "button", text: "移除", "aria-label": "移除 " + line.title });
      remove.addEventListener("click", function () { cart.splice(i, 1); renderCart(); schedule(); });
      cartBody.appendChild(cstool.el("tr", {}, [cstool.el("td", { text: line.title + "（" + line.sku + "）" }),
        cstool.el("td", { className: "num", text: yuan(line.price) }), cstool.el("td", { className: "num" }, [qty]), cstool.el("td", {}, [remove])]));
    });
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(run, 120); }

  function showError(message) { document.getElementById("quote-error").textContent = message || ""; }

  function run() {
    if (!campaign || !cart.length) { document.getElementById("result").hidden = true; return; }
    var mine = ++seq;
    var coupons = Array.prototype.map.call(couponBox.querySelectorAll("input:checked"), function (b) { return b.value; });
    var body = { campaign: select.value, items: cart.map(function (l) { return { sku: l.sku, qty: l.qty }; }),
      at: at.value, region: region.value.trim(), coupons: coupons };
    cstool.post("/api/quote", body).then(function (q) {
      if (mine !== seq) { return; }
      showError("");
      render(q);
    }, function (error) { if (mine === seq) { showError(error.message); } });
  }

  function cell(text, cls) { return cstool.el("td", { className: cls || "", text: text }); }

  function render(q) {
    document.getElementById("result").hidden = false;
    document.getElementById("message").textContent = q.message;
    var lines = document.querySelector("#lines tbody"); lines.textContent = "";
    q.lines.forEach(function (l) {
      lines.appendChild(cstool.el("tr", {}, [cell(l.title + "（" + l.sku + "）"), cell(String(l.qty), "num"), cell(yuan(l.list_amount), "num"),
        cell("-" + yuan(l.item_saving), "num"), cell("-" + yuan(l.order_discount), "num"), cell(yuan(l.paid), "num")]));
    });
    var applied = document.querySelector("#applied tbody"); applied.textContent = "";
    q.applied.forEach(function (a) { applied.appendChild(cstool.el("tr", {}, [cell(a.label + "（" + a.rule + "）"), cell("-" + yuan(a.amount), "num")])); });
    document.getElementById("list-total").textContent = yuan(q.list_total);
    document.getElementById("shipping").textContent = yuan(q.shipping);
    document.getElementById("saving").textContent = "-" + yuan(q.saving);
    document.getElementById("total").textContent = yuan(q.total);
    var next = document.getElementById("next"); next.textContent = "";
    q.next.forEach(function (s) { next.appendChild(cstool.el("li", { text: s.message })); });
    document.body.setAttribute("data-quoted", q.total);
  }

  select.addEventListener("change", loadCampaign);
  [at, region].forEach(function (f) { f.addEventListener("change", schedule); });
  region.addEventListener("input", schedule);
  search.addEventListener("input", filter);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      var button = list.querySelector("button[data-sku]");
      if (button) { add(button.getAttribute("data-sku"), 1); search.select(); }
    }
  });
  loadCampaign();
})();
