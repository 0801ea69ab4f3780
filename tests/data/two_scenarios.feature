Feature: Two quick scenarios

  Scenario: Home
    Given I open "/"
    Then I see the heading "Welcome to the Demo Bookshop"

  Scenario: Login page
    Given I open "/login"
    Then I see the heading "Sign in"
