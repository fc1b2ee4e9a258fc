/* Search-as-you-type selects (tom-select, served from static/vendor): every
 * <select data-autocomplete-url> asks the server for the rows matching what is typed. The server
 * decides what the user may pick (the same scoped rows the form validates against on submit).
 * data-autocomplete-forward="institution" sends the value of the form's institution field along,
 * so the offered majors follow the chosen school; changing that field clears this one. */
(function () {
  "use strict";

  function forwarded(select) {
    return (select.dataset.autocompleteForward || "").split(",").filter(Boolean);
  }

  function other(select, name) {
    return select.form ? select.form.elements.namedItem(name) : null;
  }

  function init(select) {
    if (select.tomselect || typeof window.TomSelect !== "function") {
      return;
    }
    var url = select.dataset.autocompleteUrl;
    var ts = new window.TomSelect(select, {
      valueField: "id",
      labelField: "text",
      searchField: [],
      maxOptions: 50,
      loadThrottle: 250,
      preload: "focus",
      placeholder: select.dataset.placeholder || "",
      plugins: select.multiple ? ["remove_button"] : [],
      score: function () {
        return function () { return 1; }; // keep the server's order
      },
      load: function (query, callback) {
        var params = new URLSearchParams(select.dataset.autocompleteParams || "");
        params.set("q", query);
        forwarded(select).forEach(function (name) {
          var field = other(select, name);
          if (field && field.value) {
            params.set(name, field.value);
          }
        });
        fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            // Only this search's rows are offered (the server filtered them): drop earlier ones.
            ts.clearOptions();
            callback(data.results || []);
          })
          .catch(function () { callback(); });
      },
      render: {
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.textContent = select.dataset.noResults || "";
          return div;
        },
        loading: function () {
          var div = document.createElement("div");
          div.className = "spinner";
          div.setAttribute("aria-label", select.dataset.loading || "");
          return div;
        },
      },
    });
    forwarded(select).forEach(function (name) {
      var field = other(select, name);
      if (field) {
        field.addEventListener("change", function () {
          ts.clear();
          ts.clearOptions();
          ts.loadedSearches = {};
        });
      }
    });
  }

  function initAll(root) {
    (root || document).querySelectorAll("select[data-autocomplete-url]").forEach(init);
  }

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:load", function (event) { initAll(event.target); });
})();
