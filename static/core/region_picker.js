// The region picker (core/region_fields.py): suggestions while a name, pinyin or code is typed,
// and the province → city → county lists filled without sending the form. Without this script
// the same picker works by sending the form ("Show the next level").
(function () {
  "use strict";

  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  var SEPARATORS = /[、,，;；\n]/;

  function lookup(url, params) {
    var query = new URLSearchParams(params).toString();
    return fetch(url + "?" + query, {
      credentials: "same-origin",
      headers: {Accept: "application/json"}
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) { return data.results; });
  }

  function setUp(box) {
    var url = box.dataset.lookupUrl;
    var levels = box.dataset.levels || "";
    var multiple = box.dataset.multiple === "true";
    var text = box.querySelector("[data-region-text]");
    var list = box.querySelector("[data-region-suggestions]");
    var chosenLine = box.querySelector("[data-region-chosen]");
    var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-region-depth]"));
    var addButton = box.querySelector("[data-region-add]");
    var results = [];
    var active = -1;
    var asked = 0;
    var timer = null;

    box.classList.add("enhanced");
    list.id = (text.id || text.name) + "-suggestions";
    text.setAttribute("role", "combobox");
    text.setAttribute("aria-autocomplete", "list");
    text.setAttribute("aria-expanded", "false");
    text.setAttribute("aria-controls", list.id);

    function typedPart() {
      if (!multiple) { return text.value.trim(); }
      var parts = text.value.split(SEPARATORS);
      return parts[parts.length - 1].trim();
    }

    function close() {
      list.hidden = true;
      active = -1;
      text.setAttribute("aria-expanded", "false");
      text.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      active = index;
      for (var i = 0; i < items.length; i++) {
        items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      if (items[index]) {
        text.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({block: "nearest"});
      }
    }

    function note(message) {
      list.textContent = "";
      var item = document.createElement("li");
      item.className = "none";
      item.textContent = message;
      list.appendChild(item);
      list.hidden = false;
      text.setAttribute("aria-expanded", "true");
    }

    function show(found) {
      results = found;
      active = -1;
      if (!found.length) { note(box.dataset.noneText); return; }
      list.textContent = "";
      found.forEach(function (region, index) {
        var item = document.createElement("li");
        item.id = list.id + "-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.code = region.code;
        var name = document.createElement("strong");
        name.textContent = region.name;
        var where = document.createElement("span");
        where.className = "where";
        where.textContent = region.full_name + " · " + region.code;
        item.appendChild(name);
        item.appendChild(where);
        // mousedown, not click: choosing must happen before the text box loses the focus
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(item);
      });
      list.hidden = false;
      text.setAttribute("aria-expanded", "true");
    }

    function say(name) {
      chosenLine.textContent = "";
      if (!name) { return; }
      var strong = document.createElement("strong");
      strong.textContent = name;
      chosenLine.appendChild(document.createTextNode(box.dataset.chosenText + " "));
      chosenLine.appendChild(strong);
    }

    function fill(select, regions, chosen) {
      var label = select.parentNode;
      while (select.options.length > 1) { select.remove(1); }
      regions.forEach(function (region) {
        var option = new Option(region.name, region.code, false, region.code === chosen);
        select.add(option);
      });
      select.value = chosen || "";
      select.disabled = !regions.length;
      label.hidden = !regions.length;
      if (select.dataset.regionDepth !== "1" && regions.length) {
        var allCounties = regions.every(function (region) { return region.level === "county"; });
        label.querySelector("span").textContent =
          allCounties || select.dataset.regionDepth === "3" ? box.dataset.countyLabel : box.dataset.cityLabel;
      }
    }

    function clearFrom(depth) {
      selects.forEach(function (select) {
        if (Number(select.dataset.regionDepth) >= depth) { fill(select, [], ""); }
      });
    }

    function listedName() {
      var names = selects.filter(function (select) { return select.value; }).map(function (select) {
        return select.options[select.selectedIndex].text;
      });
      if (!english) { return names.join(""); }
      return multiple ? names.join(" / ") : names.reverse().join(", ");
    }

    // Show a region's parents in the lists: each list with the regions under the one above.
    function showInLists(region) {
      var parents = [""].concat(region.path.slice(0, -1));
      var steps = parents.slice(0, selects.length).map(function (parent) {
        return lookup(url, parent ? {parent: parent} : {});
      });
      Promise.all(steps).then(function (lists) {
        lists.forEach(function (regions, index) {
          fill(selects[index], regions, region.path[index] || "");
        });
        clearFrom(lists.length + 1);
        if (region.has_children && selects[lists.length]) {
          lookup(url, {parent: region.code}).then(function (regions) {
            fill(selects[lists.length], regions, "");
          });
        }
      }).catch(function () { /* the lists stay as they were; the text box holds the choice */ });
    }

    function choose(index) {
      var region = results[index];
      if (!region) { return; }
      if (multiple) {
        var parts = text.value.split(SEPARATORS);
        parts[parts.length - 1] = region.list_name;
        text.value = parts.map(function (part) { return part.trim(); }).filter(Boolean).join("、") + "、";
      } else {
        text.value = region.full_name;
        say(region.full_name);
        showInLists(region);
      }
      close();
      text.focus();
    }

    function ask() {
      var typed = typedPart();
      if (!typed) { close(); return; }
      var mine = ++asked;
      var params = {q: typed};
      if (levels) { params.levels = levels; }
      lookup(url, params).then(function (found) {
        if (mine === asked) { show(found); }
      }).catch(function () {
        if (mine === asked) { note(box.dataset.failedText); }
      });
    }

    text.addEventListener("input", function () {
      if (!multiple && text.value.trim() && (selects[0].value || chosenLine.textContent)) {
        // the text box gives the region now: the lists no longer show another one
        selects[0].value = "";
        clearFrom(2);
        say("");
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 200);
    });
    text.addEventListener("keydown", function (event) {
      var open = !list.hidden && results.length;
      if (event.key === "ArrowDown" && open) {
        event.preventDefault();
        highlight(Math.min(active + 1, results.length - 1));
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();  // choose the suggestion, do not send the form yet
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    text.addEventListener("blur", function () { window.setTimeout(close, 150); });

    selects.forEach(function (select) {
      select.addEventListener("change", function () {
        var depth = Number(select.dataset.regionDepth);
        clearFrom(depth + 1);
        if (!multiple) {
          text.value = "";  // the lists give the region now
          say(listedName());
        }
        var next = selects[depth];
        if (!select.value || !next) { return; }
        lookup(url, {parent: select.value}).then(function (regions) {
          if (select.value) { fill(next, regions, ""); }
        }).catch(function () { /* "Show the next level" still works */ });
      });
    });

    if (addButton) {
      addButton.addEventListener("click", function (event) {
        var name = listedName();
        if (!name) { return; }  // nothing picked: the server says what to do
        event.preventDefault();
        var kept = text.value.split(SEPARATORS).map(function (part) { return part.trim(); }).filter(Boolean);
        if (kept.indexOf(name) < 0) { kept.push(name); }
        text.value = kept.join("、");
        clearFrom(2);
        selects[0].value = "";
        text.focus();
      });
    }
  }

  // Each picker brings this script along: it runs once per page however many pickers it has.
  function start() {
    var boxes = document.querySelectorAll("[data-region-picker]:not(.enhanced)");
    for (var i = 0; i < boxes.length; i++) { setUp(boxes[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
