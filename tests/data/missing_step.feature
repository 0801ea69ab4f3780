Feature: A step nobody wrote

  Scenario: Uses an undefined step
    Given I open "/"
    When I teleport to "Mars" with 3 friends
    Then I see "Demo"
