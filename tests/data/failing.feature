Feature: A deliberately failing scenario
  Kept out of features/: the project's own tests run it to check what a failure leaves behind.

  Scenario: Login shows a message that is not there
    Given I open "/login"
    When I fill in "Username" with "demo"
    Then I see "This text is never on the page"
    And I see the heading "Never reached"

  Scenario: The home page opens
    Given I open "/"
    Then I see the heading "Welcome to the Demo Bookshop"
