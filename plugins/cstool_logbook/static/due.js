// 待办: each action is one `cstool log update` through /api/entry/<id>/update (history kept).
(function () {
  "use strict";
  function rowOf(node) { return node.closest("tr[data-id]"); }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.act");
    if (button) {
      var row = rowOf(button);
      var body = {};
      var act = button.getAttribute("data-act");
      if (act === "remind") { body.remind = row.querySelector("select.via").value; }
      else if (act === "check") { body.check = [button.getAttribute("data-step")]; }
      else {
        var outcome = row.querySelector("select.outcome").value;
        var note = row.querySelector("input.note").value.trim();
        if (outcome) { body.outcome = outcome; }
        if (note) { body.note = note; }
        if (!outcome && !note) { cstool.toast("请选择新的结果或写一条备注"); return; }
      }
      cstool.post("/api/entry/" + row.getAttribute("data-id") + "/update", body).then(function (result) {
        cstool.toast("#" + result.id + " " + (result.changes.join("；") || "没有变化"), 3500);
        row.querySelector("input.note").value = "";
        document.body.setAttribute("data-updated", String(result.id));
        showHistory(row, true);
      }, function (error) { cstool.toast(error.message, 5000); });
      return;
    }
    var hist = event.target.closest("button.hist");
    if (hist) { showHistory(rowOf(hist), false); }
  });

  function showHistory(row, keepOpen) {
    var box = row.querySelector(".history");
    if (!box.hidden && !keepOpen) { box.hidden = true; return; }
    cstool.get("/api/entry/" + row.getAttribute("data-id")).then(function (entry) {
      box.textContent = "";
      (entry.history || []).forEach(function (h) {
        var when = String(h.at || "").replace("T", " ").slice(0, 16);
        var what = Object.keys(h.changes || {}).map(function (k) {
          var pair = h.changes[k];
          return k + "：" + (Array.isArray(pair) ? JSON.stringify(pair[1]) : JSON.stringify(pair));
        }).join("；");
        box.appendChild(cstool.el("div", { text: when + " " + (h.agent || "") + " " + (h.action || "") + " " + what }));
      });
      if (!box.childNodes.length) { box.textContent = "还没有修改历史"; }
      box.hidden = false;
    }, function (error) { cstool.toast(error.message); });
  }
})();
