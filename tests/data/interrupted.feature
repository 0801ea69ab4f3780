Feature: A run that gets interrupted
  Kept out of features/: the project's tests stop it in its second scenario.

  Scenario: Quick
    Given I open "/"
    Then I see the heading "Welcome to the Demo Bookshop"

  Scenario: Slow
    Given I open "/"
    When I wait 120 seconds
    Then I see the heading "Welcome to the Demo Bookshop"

  Scenario: Never reached
    Given I open "/"
