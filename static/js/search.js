// As-you-type suggestions for every search box: the ARIA 1.2 combobox pattern.
// Progressive enhancement only: without this script the search form works as a plain form.
const DELAY_MS = 150;

function enhance(input) {
  const form = input.form;
  const url = input.dataset.suggestUrl;
  const listId = `${input.id}-suggestions`;
  const list = document.createElement("ul");
  list.id = listId;
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  const status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  input.closest(".search-box__row").append(list, status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", listId);
  input.setAttribute("aria-expanded", "false");

  let items = [];
  let active = -1;
  let timer = 0;
  let controller = null;

  // Closing also drops what is on its way: a late answer must not reopen the list.
  function close() {
    clearTimeout(timer);
    controller?.abort();
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    announce("");
  }

  // Said once per change, not again on every key that finds the same number.
  function announce(message) {
    if (status.textContent !== message) status.textContent = message;
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", `${listId}-${index}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function render() {
    list.replaceChildren(
      ...items.map((item, i) => {
        const option = document.createElement("li");
        option.id = `${listId}-${i}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        const kind = document.createElement("span");
        kind.className = "suggestions__kind";
        kind.textContent = item.kind === "article" ? " article" : " symptom";
        option.append(kind);
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          window.location.assign(item.url);
        });
        return option;
      }),
    );
    const open = items.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    announce(open ? `${items.length} suggestion${items.length === 1 ? "" : "s"}, use the arrow keys to choose` : "");
    highlight(-1);
  }

  async function fetchSuggestions() {
    controller?.abort();
    const query = input.value.trim();
    if (query.length < 2) {
      items = [];
      render();
      return;
    }
    controller = new AbortController();
    try {
      const response = await fetch(`${url}?q=${encodeURIComponent(query)}`, { signal: controller.signal });
      if (!response.ok) throw new Error(`suggestions: HTTP ${response.status}`);
      const data = await response.json();
      // Only the answer to what is in the box now, while the reader is still in it.
      if (document.activeElement !== input || input.value.trim() !== query) return;
      items = Array.isArray(data.items) ? data.items : [];
      render();
    } catch (error) {
      if (error.name === "AbortError") return;
      items = []; // no stale suggestions for what is typed now
      close();
    }
  }

  input.addEventListener("input", () => {
    // The list on show answered the text before this change: nothing in it may be chosen now.
    items = [];
    close();
    timer = setTimeout(fetchSuggestions, DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      if (list.hidden) render();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && items[active] && !list.hidden) {
      event.preventDefault();
      window.location.assign(items[active].url);
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault();
        close();
      } else {
        input.value = "";
        items = [];
        close();
      }
    }
  });
  input.addEventListener("blur", close);
  form.addEventListener("submit", close);
}

document.querySelectorAll("input[data-suggest-url]").forEach(enhance);
