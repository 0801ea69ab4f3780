Feature: Broken Gherkin

  Scenario: Steps out of place
    Given I open "/"
  This line is not a step at all
    Then I see "Demo"
