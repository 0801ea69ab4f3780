@search
Feature: Searching the catalogue
  Results come from the server a moment after the search starts, so every check here
  relies on waiting for the page rather than on fixed pauses.

  Background:
    Given I open "/search"

  @smoke
  Scenario: Results appear once the search has finished
    When I fill in the placeholder "Title or author" with "python"
    And I click the "Search" button
    Then the list "Results" has 3 items
    And I see "Fluent Python"
    And the element with test id "search-status" has text "3 books found for “python”."
    And I take a screenshot named "python results"

  Scenario: Pressing Enter searches by author and keeps the query in the address
    When I fill in "Search books" with "Fowler"
    And I press "Enter"
    Then the list "Results" has 1 item
    And I see "Refactoring"
    And the URL ends with "/search?q=Fowler"

  Scenario: A search without a match says so
    When I fill in "Search books" with "cobol"
    And I click the "Search" button
    Then I see "No books found for “cobol”."
    And the list "Results" has 0 items

  Scenario: Authors can be searched in Japanese script
    When I fill in "Search books" with "夏目漱石"
    And I click the "Search" button
    Then the list "Results" has 2 items
    And I see "吾輩は猫である"
    And I see "こころ"

  Scenario: An empty search asks for a search term
    When I click the "Search" button
    Then the element with test id "search-status" has text "Please enter a title or an author."
    And the list "Results" has 0 items

  Scenario: A new search replaces the previous results
    When I fill in "Search books" with "python"
    And I press "Enter"
    Then the list "Results" has 3 items
    When I fill in "Search books" with "Kleppmann"
    And I press "Enter"
    Then the list "Results" has 1 item
    And I see "Designing Data-Intensive Applications"
    And I do not see "Fluent Python"
