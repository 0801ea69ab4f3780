# An example: it opens your app and keeps a screenshot of it in the report.
# Every phrase of the generic step library is listed in `python -m pydoc runner.steps.web`.
Feature: The app answers

  Scenario: The home page opens
    Given I open "/"
    Then the page shows something
    And I take a screenshot named "home page"
