@signup
Feature: Creating an account
  The sign-up wizard takes three steps: details, preferences, then review and confirm.
  Each step is checked before the next one opens, and going back loses nothing.

  Background:
    Given I open "/signup"

  @smoke
  Scenario: A new customer creates an account in three steps
    Then the element with test id "wizard-progress" has text "Step 1 of 3"
    When I fill in "Full name" with "Ada Lovelace"
    And I fill in "Email" with "ada@example.com"
    And I click the "Next" button
    Then I see the heading "Your preferences"
    When I select "Science" from "Favourite genre"
    And I check "Express delivery"
    And I check "Send me the monthly newsletter"
    And I click the "Next" button
    Then the element with test id "wizard-progress" has text "Step 3 of 3"
    And the review shows:
      | field           | value           |
      | Name            | Ada Lovelace    |
      | Email           | ada@example.com |
      | Favourite genre | Science         |
      | Delivery        | Express         |
      | Newsletter      | Yes             |
    And I take a screenshot named "review step"
    When I check "I accept the terms and conditions"
    And I click the "Create account" button
    Then I see the heading "Welcome aboard, Ada Lovelace!"
    And the element with test id "signup-message" has text "We have sent a confirmation to ada@example.com."

  Scenario: The details step rejects a missing name and a malformed email
    When I click the "Next" button
    Then I see the alert "Please enter your full name."
    When I fill in "Full name" with "Alan Turing"
    And I fill in "Email" with "alan.turing.example.com"
    And I click the "Next" button
    Then I see the alert "Please enter a valid email address."
    And the element with test id "wizard-progress" has text "Step 1 of 3"

  Scenario: Going back keeps what was entered
    Given I have entered my details as "Grace Hopper" with email "grace@example.com"
    When I select "Programming" from "Favourite genre"
    And I click the "Back" button
    Then the element with test id "wizard-progress" has text "Step 1 of 3"
    And the field "Full name" has the value "Grace Hopper"
    And the field "Email" has the value "grace@example.com"
    When I click the "Next" button
    Then the field "Favourite genre" has the value "programming"

  Scenario: The account is only created once the terms are accepted
    Given I have entered my details as "Katherine Johnson" with email "katherine@example.com"
    And I have chosen "History" as my favourite genre
    When I click the "Create account" button
    Then I see the alert "Please accept the terms and conditions."
    And the element with test id "signup-complete" is hidden
    When I check "I accept the terms and conditions"
    And I click the "Create account" button
    Then the element with test id "signup-complete" is visible
    And I see the heading "Welcome aboard, Katherine Johnson!"
