// The sign-up wizard: three steps in one form, validated one step at a time so a user
// (and a test) can go back and find every value still there.
(function () {
  "use strict";
  var form = document.getElementById("signup");
  var steps = Array.prototype.slice.call(form.querySelectorAll("section[data-step]"));
  var progress = document.querySelector('[data-testid="wizard-progress"]');
  var error = form.querySelector('[data-testid="wizard-error"]');
  var done = document.getElementById("signup-done");
  var current = 1;

  function field(id) { return document.getElementById(id); }

  function show(step) {
    current = step;
    steps.forEach(function (section) {
      section.hidden = Number(section.getAttribute("data-step")) !== step;
    });
    progress.textContent = "Step " + step + " of " + steps.length;
    clearError();
    var heading = steps[step - 1].querySelector("h2");
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
  }

  function clearError() {
    error.textContent = "";
    error.hidden = true;
  }

  function validate(step) {
    if (step === 1) {
      if (!field("full-name").value.trim()) { return "Please enter your full name."; }
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(field("email").value.trim())) {
        return "Please enter a valid email address.";
      }
    }
    if (step === 2 && !field("genre").value) { return "Please choose a favourite genre."; }
    if (step === 3 && !field("terms").checked) { return "Please accept the terms and conditions."; }
    return "";
  }

  function fillReview() {
    var genre = field("genre");
    var delivery = form.querySelector('input[name="delivery"]:checked');
    var values = {
      "review-name": field("full-name").value.trim(),
      "review-email": field("email").value.trim(),
      "review-genre": genre.options[genre.selectedIndex].text,
      "review-delivery": delivery ? delivery.value : "",
      "review-newsletter": field("newsletter").checked ? "Yes" : "No"
    };
    Object.keys(values).forEach(function (testId) {
      form.querySelector('[data-testid="' + testId + '"]').textContent = values[testId];
    });
  }

  function next() {
    var problem = validate(current);
    if (problem) { showError(problem); return; }
    if (current === 2) { fillReview(); }
    show(current + 1);
  }

  form.addEventListener("click", function (event) {
    var action = event.target.getAttribute && event.target.getAttribute("data-action");
    if (action === "next") { next(); }
    if (action === "back") { show(current - 1); }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // Enter in a text field submits the form: treat it as "Next" until the last step.
    if (current < steps.length) { next(); return; }
    var problem = validate(current);
    if (problem) { showError(problem); return; }
    var name = field("full-name").value.trim();
    form.hidden = true;
    progress.textContent = "Done";
    done.querySelector("h2").textContent = "Welcome aboard, " + name + "!";
    done.querySelector('[data-testid="signup-message"]').textContent =
      "We have sent a confirmation to " + field("email").value.trim() + ".";
    done.hidden = false;
  });
})();
