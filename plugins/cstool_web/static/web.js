// cstool workbench: helpers every page uses (no framework, no CDN).
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function toast(text, ms) {
    var box = document.getElementById("toast");
    box.textContent = text;
    box.classList.add("show");
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.classList.remove("show"); }, ms || 2200);
  }

  // JSON in, JSON out; a state-changing request carries the CSRF token.
  function request(method, url, data) {
    var options = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf;
      options.body = JSON.stringify(data || {});
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.error || ("请求失败：" + response.status));
          error.status = response.status; error.body = body;
          throw error;
        }
        return body;
      });
    });
  }

  // Copy with the async clipboard API; fall back to a hidden textarea on older browsers.
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return Promise.resolve(legacyCopy(text));
  }
  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", "");
    area.className = "offscreen"; area.style.position = "fixed"; area.style.top = "-1000px";
    document.body.appendChild(area); area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (!ok) { throw new Error("浏览器不允许复制，请手动选中复制"); }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // Alt+1…9 switches pages.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var link = document.querySelector('header nav a[data-key="' + event.key + '"]');
    if (link) { event.preventDefault(); window.location.href = link.getAttribute("href"); }
  });

  // Copy buttons: <button data-copy-from="id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-from]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy-from"));
    if (!source) { return; }
    copy(source.textContent).then(function () { toast("已复制"); }, function (e) { toast(e.message); });
  });

  window.cstool = { csrf: csrf, request: request, copy: copy, toast: toast, el: el,
    get: function (url) { return request("GET", url); },
    post: function (url, data) { return request("POST", url, data); } };
})();
