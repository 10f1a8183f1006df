// 接待: search as you type (/api/search), ↑/↓ to move, Enter or click copies and records the pick.
(function () {
  "use strict";
  var q = document.getElementById("q");
  var chat = document.getElementById("chat");
  var stage = document.getElementById("stage");
  var tag = document.getElementById("tag");
  var list = document.getElementById("results");
  var empty = document.getElementById("empty");
  var results = [];
  var selected = 0;
  var seq = 0;
  var shown = 0;

  function params() {
    var p = new URLSearchParams({ q: q.value.trim(), limit: "8" });
    if (chat.value.trim()) { p.set("chat", chat.value.trim()); }
    if (stage.value) { p.set("stage", stage.value); }
    if (tag.value) { p.set("tag", tag.value); }
    return p;
  }

  function search() {
    var mine = ++seq;
    if (!q.value.trim()) { results = []; render(); return; }
    cstool.get("/api/search?" + params().toString()).then(function (found) {
      if (mine < shown) { return; }  // an older answer arriving late
      shown = mine;
      results = found; selected = 0; render();
      document.body.setAttribute("data-searched", String(mine));
    }, function (error) { cstool.toast(error.message, 4000); });
  }

  function render() {
    list.textContent = "";
    empty.hidden = results.length > 0;
    if (!results.length && q.value.trim()) { empty.textContent = "没有找到相关的快捷短语。试试换个说法、短一点的关键词，或拼音首字母（如 bzq = 保质期）。"; }
    results.forEach(function (item, i) {
      var meta = [cstool.el("span", { className: "pill", text: item.stage_label })];
      if (item.shortcut) { meta.push(cstool.el("kbd", { text: item.shortcut, title: "快捷码" })); }
      (item.tags || []).forEach(function (t) { meta.push(cstool.el("span", { className: "pill", text: t })); });
      if (item.variants > 1) { meta.push(cstool.el("span", { className: "muted", text: " 第 " + item.variant + "/" + item.variants + " 种说法" })); }
      var reply = item.reply === null || item.reply === undefined
        ? cstool.el("p", { className: "error", text: item.unavailable || "这条现在不能用" })
        : cstool.el("pre", { className: "reply", text: item.reply });
      var li = cstool.el("li", { role: "option", "data-id": item.id, "aria-selected": i === selected ? "true" : "false",
        className: "result" + (i === selected ? " on" : "") }, [
        cstool.el("div", { className: "head" }, [cstool.el("span", { className: "num", text: String(i + 1) }),
          cstool.el("strong", { className: "title", text: item.title }), " "].concat(meta)),
        reply
      ]);
      li.addEventListener("click", function () { selected = i; render(); pick(i); });
      list.appendChild(li);
    });
  }

  function pick(i) {
    var item = results[i];
    if (!item) { return; }
    if (item.reply === null || item.reply === undefined) { cstool.toast(item.unavailable || "这条现在不能用", 4000); return; }
    cstool.copy(item.reply).then(function () {
      cstool.toast("已复制：" + item.title);
      var body = { q: q.value.trim(), id: item.id, chat: chat.value.trim(), stage: stage.value, tag: tag.value };
      return cstool.post("/api/pick", body).then(function () {
        document.body.setAttribute("data-picked", item.id);
        search();  // the next variant for this chat shows up
      });
    }).catch(function (error) { cstool.toast(error.message, 4000); });
  }

  q.addEventListener("input", search);
  [chat, stage, tag].forEach(function (field) { field.addEventListener("change", search); });
  q.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); selected = Math.min(selected + 1, results.length - 1); render(); }
    else if (event.key === "ArrowUp") { event.preventDefault(); selected = Math.max(selected - 1, 0); render(); }
    else if (event.key === "Enter") { event.preventDefault(); pick(selected); }
    else if (event.key === "Escape") { q.value = ""; results = []; render(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== q && !/INPUT|SELECT|TEXTAREA/.test(document.activeElement.tagName)) {
      event.preventDefault(); q.focus(); q.select();
    }
  });
  if (q.value.trim()) { search(); }
})();
