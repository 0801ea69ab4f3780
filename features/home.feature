@smoke @home
Feature: Home page and navigation
  Visitors land on the home page; from there every part of the shop is one click away,
  and a mistyped address does not leave them stranded.

  Background:
    Given I open "/"

  Scenario: The home page introduces the shop
    Then the page title is "Home · Demo Bookshop"
    And I see the heading "Welcome to the Demo Bookshop"
    And the element with test id "intro" contains "Find your next book"
    And the list "Features" has 4 items
    And I see the text:
      """
      Monday to Friday: 9:00 to 18:00
      Saturday: 10:00 to 16:00
      Sunday: closed
      """
    And I take a screenshot named "home page"

  Scenario: The navigation leads to the catalogue search
    When I click the "Search" link
    Then the URL ends with "/search"
    And the page title contains "Search"
    And I see the heading "Search the catalogue"

  Scenario: An unknown address shows a friendly "not found" page
    When I open "/no-such-page", which answers 404
    Then I see the heading "Page not found"
    And I see "/no-such-page"
    When I click the "Back to the home page" link
    Then I see the heading "Welcome to the Demo Bookshop"
