// 记录: four forms posting JSON to /api/log/<kind>; errors appear beside their fields, in Chinese.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.logform");
  var tabs = document.querySelectorAll("[data-tab]");

  function show(kind) {
    tabs.forEach(function (t) { var on = t.getAttribute("data-tab") === kind; t.classList.toggle("on", on); t.setAttribute("aria-selected", on ? "true" : "false"); });
    forms.forEach(function (f) { f.hidden = f.getAttribute("data-kind") !== kind; });
    var first = document.querySelector('form[data-kind="' + kind + '"] input:not([type=hidden])');
    if (first) { first.focus(); }
    history.replaceState(null, "", "/log?kind=" + kind);
  }
  tabs.forEach(function (t) { t.addEventListener("click", function () { show(t.getAttribute("data-tab")); }); });

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (e) { e.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
  }
  function fieldError(form, name, message) {
    var slot = form.querySelector('.field-error[data-for="' + name + '"]');
    var input = form.querySelector('[name="' + name + '"]');
    if (input) { input.setAttribute("aria-invalid", "true"); }
    if (slot) { slot.textContent = message; return true; }
    return false;
  }

  function collect(form) {
    var data = {};
    form.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (!input.name) { return; }
      if (input.type === "checkbox") {
        data[input.name] = data[input.name] || [];
        if (input.checked) { data[input.name].push(input.value); }
      } else { data[input.name] = input.value; }
    });
    return data;
  }

  function submit(form) {
    clearErrors(form);
    var missing = false;
    form.querySelectorAll("[data-required]").forEach(function (input) {
      if (!input.value.trim()) { fieldError(form, input.name, "请填写" + input.getAttribute("data-required")); missing = true; }
    });
    if (missing) { form.querySelector("[aria-invalid]").focus(); return; }
    var kind = form.getAttribute("data-kind");
    cstool.post("/api/log/" + kind, collect(form)).then(function (body) {
      document.getElementById("result").hidden = false;
      document.getElementById("result-summary").textContent = body.summary;
      var box = document.getElementById("remark-box");
      box.hidden = !body.remark;
      if (body.remark) {
        document.getElementById("remark").textContent = body.remark;
        document.getElementById("remark-flag").textContent = body.flag;
      }
      document.body.setAttribute("data-saved", String(body.id));
      cstool.toast("已保存 #" + body.id);
      form.querySelectorAll('input[name=buyer], input[name=order], input[name=amount], input[name=promise], input[name=what], input[name=sku], input[name=note], textarea').forEach(function (i) { i.value = ""; });
      form.querySelectorAll("input[type=checkbox]").forEach(function (i) { i.checked = false; });
    }, function (error) {
      var fields = (error.body && error.body.fields) || {};
      var shown = false;
      Object.keys(fields).forEach(function (name) { shown = fieldError(form, name, fields[name]) || shown; });
      if (!shown) { cstool.toast(error.message, 5000); }
      var bad = form.querySelector("[aria-invalid]");
      if (bad) { bad.focus(); }
    });
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); submit(form); });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); submit(form); }
    });
  });
})();
