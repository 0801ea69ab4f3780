Feature: A flaky scenario

  Scenario: Passes on the second attempt
    Given I open "/"
    Then the first attempt fails
