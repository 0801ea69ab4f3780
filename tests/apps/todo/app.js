// Todos live in memory only: every browser context (every scenario) starts empty.
"use strict";

const todos = [];
const form = document.getElementById("new-todo-form");
const input = document.getElementById("new-todo");
const list = document.getElementById("todos");
const counter = document.querySelector("[data-testid=counter]");

function render() {
  list.replaceChildren(
    ...todos.map((todo, index) => {
      const item = document.createElement("li");
      item.className = todo.done ? "done" : "";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `todo-${index}`;
      box.checked = todo.done;
      box.addEventListener("change", () => {
        todo.done = box.checked;
        render();
      });
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = "Done";
      const title = document.createElement("span");
      title.textContent = todo.title;
      item.append(box, label, title);
      return item;
    }),
  );
  const left = todos.filter((todo) => !todo.done).length;
  counter.textContent = `${left} ${left === 1 ? "item" : "items"} left`;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const title = input.value.trim();
  if (title) {
    todos.push({ title, done: false });
    input.value = "";
    render();
  }
});

render();
