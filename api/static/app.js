// Progressive enhancement for the judging page: search facts, add them to the form, and re-judge in
// place (the same GET the form makes without JavaScript, with partial=1 to get only the card).
(function () {
  "use strict";
  var form = document.getElementById("judge-form");
  if (form) {
    var vocab = JSON.parse(document.getElementById("vocab").textContent);
    var sector = document.getElementById("sector");
    var search = document.getElementById("search");
    var matches = document.getElementById("matches");
    var facts = document.getElementById("facts");
    var card = document.getElementById("card");

    function addFact(label, value) {
      var old = facts.querySelectorAll("input[name=f]");
      for (var i = 0; i < old.length; i++) {
        if (old[i].value.split("=")[0] === label) { old[i].parentNode.remove(); }
      }
      var li = document.createElement("li");
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "f"; input.value = label + "=" + value;
      var span = document.createElement("span"); span.textContent = label + " = " + value;
      var rm = document.createElement("button"); rm.type = "button"; rm.className = "remove"; rm.textContent = "删除";
      rm.setAttribute("aria-label", "删除 " + label);
      li.appendChild(input); li.appendChild(span); li.appendChild(rm);
      facts.appendChild(li);
    }

    function valueControl(fact) {
      var box = document.createElement("div"); box.className = "add";
      function button(text, value) {
        var b = document.createElement("button"); b.type = "button"; b.textContent = text;
        b.addEventListener("click", function () { addFact(fact.label, value); search.value = ""; matches.innerHTML = ""; search.focus(); });
        return b;
      }
      if (fact.type === "bool") { box.appendChild(button("是", "是")); box.appendChild(button("否", "否")); }
      else if (fact.type === "enum") { fact.values.forEach(function (v) { box.appendChild(button(v, v)); }); }
      else {
        var n = document.createElement("input"); n.setAttribute("inputmode", "decimal");
        n.setAttribute("aria-label", fact.label + " 数值"); n.placeholder = "数值" + (fact.unit ? "（" + fact.unit + "）" : "");
        var ok = document.createElement("button"); ok.type = "button"; ok.textContent = "添加";
        ok.addEventListener("click", function () { if (n.value.trim()) { addFact(fact.label, n.value.trim()); matches.innerHTML = ""; search.value = ""; } });
        box.appendChild(n); box.appendChild(ok);
      }
      return box;
    }

    function show() {
      var words = search.value.trim();
      matches.innerHTML = "";
      if (!words) { return; }
      var pool = sector.value ? (vocab[sector.value] || []) : [].concat.apply([], Object.keys(vocab).map(function (k) { return vocab[k]; }));
      var found = pool.filter(function (f) {
        return f.label.indexOf(words) >= 0 || f.question.indexOf(words) >= 0 ||
          f.words.some(function (w) { return w.indexOf(words) >= 0 || words.indexOf(w) >= 0; });
      }).slice(0, 12);
      if (!found.length) {
        var none = document.createElement("li"); none.textContent = "没有匹配的事实；可换个说法，或在检查记录中直接写。"; matches.appendChild(none);
      }
      found.forEach(function (f) {
        var li = document.createElement("li"); li.setAttribute("role", "option");
        if (f.context) { li.className = "context"; }
        var title = document.createElement("strong"); title.textContent = f.label;
        li.appendChild(title);
        if (f.context) { var tag = document.createElement("span"); tag.className = "tag"; tag.textContent = "单位/场所类别"; li.appendChild(tag); }
        var q = document.createElement("div"); q.className = "q"; q.textContent = f.question; li.appendChild(q);
        li.appendChild(valueControl(f));
        matches.appendChild(li);
      });
    }
    search.addEventListener("input", show);
    sector.addEventListener("change", show);
    search.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
    facts.addEventListener("click", function (e) { if (e.target.classList.contains("remove")) { e.target.parentNode.remove(); } });

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var query = new URLSearchParams(new FormData(form)).toString();
      // answered questions become facts of the form, so the next judgement keeps them
      document.querySelectorAll(".answer").forEach(function (a) { if (a.value) { addFact(a.name.slice(2), a.value); } });
      query = new URLSearchParams(new FormData(form)).toString();
      fetch("/?" + query + "&partial=1", { headers: { "Accept": "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) { card.innerHTML = html; history.replaceState(null, "", "/?" + query); var h = card.querySelector("h2"); if (h) { h.setAttribute("tabindex", "-1"); h.focus(); } })
        .catch(function () { card.innerHTML = '<div class="card error" role="alert">无法连接判定服务，请稍后重试；已填写的内容仍在页面上。</div>'; });
    });
  }

  var upload = document.getElementById("upload");
  if (upload) {
    upload.addEventListener("change", function () {
      var file = upload.files[0];
      var out = document.getElementById("checklist-result");
      if (!file) { return; }
      var reader = new FileReader();
      reader.onload = function () {
        var bytes = new Uint8Array(reader.result), text = "";
        for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
        fetch("/web/checklist/judge", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ content_base64: btoa(text) }) })
          .then(function (r) { return r.text(); })
          .then(function (html) { out.innerHTML = html; })
          .catch(function () { out.innerHTML = '<div class="card error" role="alert">上传失败，请重试。</div>'; });
      };
      reader.readAsArrayBuffer(file);
    });
  }
})();

// Batch: upload a findings sheet, get the judged sheet back as a download.
(function () {
  "use strict";
  var input = document.getElementById("sheet-upload");
  if (!input) { return; }
  var status = document.getElementById("sheet-status");
  var link = document.getElementById("sheet-download");
  input.addEventListener("change", function () {
    var file = input.files[0];
    if (!file) { return; }
    status.textContent = "判定中……";
    link.hidden = true;
    var reader = new FileReader();
    reader.onload = function () {
      var bytes = new Uint8Array(reader.result), text = "";
      for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
      fetch("/web/sheet", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: file.name, content_base64: btoa(text) }) })
        .then(function (r) {
          if (!r.ok) { return r.json().then(function (e) { throw new Error(e.error.message); }); }
          return r.blob();
        })
        .then(function (blob) { link.href = URL.createObjectURL(blob); link.hidden = false; status.textContent = "判定完成。"; })
        .catch(function (e) { status.textContent = "未能判定：" + e.message; });
    };
    reader.readAsArrayBuffer(file);
  });
})();
