Feature: The browser dies mid-run

  Scenario: First scenario kills the shared browser
    Given I open "/"
    When the shared browser is killed

  Scenario: The next scenario gets a new browser
    Given I open "/"
    Then I see the heading "Welcome to the Demo Bookshop"
