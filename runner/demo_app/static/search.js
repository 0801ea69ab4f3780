// Results arrive after a deliberate delay so that tests exercise auto-waiting:
// a test that reads the list right after clicking "Search" finds it empty.
(function () {
  "use strict";
  var DELAY_MS = 700;
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var status = document.querySelector('[data-testid="search-status"]');
  var list = document.getElementById("results");
  // Only the latest search may write the list; an older, slower one is dropped.
  var generation = 0;

  function render(query, results) {
    list.replaceChildren();
    results.forEach(function (book) {
      var item = document.createElement("li");
      item.setAttribute("data-testid", "result");
      var title = document.createElement("cite");
      title.textContent = book.title;
      item.append(title, " by " + book.author + " (" + book.year + ")");
      list.append(item);
    });
    if (results.length === 0) {
      status.textContent = "No books found for \u201c" + query + "\u201d.";
    } else {
      var noun = results.length === 1 ? "book" : "books";
      status.textContent = results.length + " " + noun + " found for \u201c" + query + "\u201d.";
    }
  }

  function search(query) {
    var mine = ++generation;
    list.replaceChildren();
    query = query.trim();
    if (!query) {
      status.textContent = "Please enter a title or an author.";
      return;
    }
    status.textContent = "Searching\u2026";
    history.replaceState(null, "", "/search?q=" + encodeURIComponent(query));
    setTimeout(function () {
      fetch("/api/search?q=" + encodeURIComponent(query))
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) { if (mine === generation) { render(query, data.results); } })
        .catch(function () {
          if (mine === generation) { status.textContent = "The search is not available right now."; }
        });
    }, DELAY_MS);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search(input.value);
  });

  var initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
})();
